/**
 * Moderation of received Webmentions: what waits for the owner, what is approved at once (the
 * auto-approve setting, a domain allowed always, an update of a mention already approved), and
 * the owner's actions (approve, reject, block a domain, allow a domain always).
 */
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import { settingsStore } from '../db/store/settings.js';
import { type Moderation, type WebmentionRow, webmentionsStore } from '../db/store/webmentions.js';
import { toDbTime } from '../lib/db-time.js';
import { AppError } from '../lib/errors.js';

/** The settings key of the auto-approve switch ("true" or "false"). */
export const AUTO_APPROVE_KEY = 'webmention.auto_approve';

/** A host as rules name it: lower case, without a trailing dot. */
export function hostKey(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/**
 * The domain a person types (or a mention's host) as a rule key: a host name, lower case, IDN in
 * ASCII form, without "www."; undefined when it is not a host name.
 */
export function parseDomain(input: string): string | undefined {
  const t = input.trim().toLowerCase().replace(/^\*\./, '');
  if (t === '' || t.length > 253 || /[/?#@:\s]/.test(t)) return undefined;
  let host: string;
  try {
    host = new URL(`http://${t}/`).hostname;
  } catch {
    return undefined;
  }
  host = hostKey(host).replace(/^www\./, '');
  return /^[a-z0-9.-]+$/.test(host) && !host.startsWith('.') && !host.includes('..') ? host : undefined;
}

/** Moderation rules and actions over one database. */
export function createModeration(deps: { db: Db; clock: Clock }) {
  const store = webmentionsStore(deps.db);
  const settings = settingsStore(deps.db);
  const now = () => toDbTime(deps.clock.now());

  /** The rule that covers a host: its own, else its closest parent domain's. */
  function ruleFor(host: string): 'allow' | 'block' | undefined {
    const labels = hostKey(host).split('.');
    for (let i = 0; i < labels.length; i++) {
      const r = store.findDomainRule(labels.slice(i).join('.'));
      if (r) return r.rule;
    }
    return undefined;
  }

  function isAutoApprove(): boolean {
    return settings.findSetting(AUTO_APPROVE_KEY) === 'true';
  }

  function need(id: number): WebmentionRow {
    const row = store.findWebmentionById(id);
    if (!row) throw new AppError('not_found', 'There is no such Webmention.');
    return row;
  }

  /** Blocks a domain and its subdomains: their mentions are rejected, and no more are fetched. */
  function blockDomain(domain: string): void {
    const t = now();
    deps.db.transaction(() => {
      store.upsertDomainRule(domain, 'block', t);
      store.updateModerationForDomain(domain, 'pending', 'rejected', t);
      store.updateModerationForDomain(domain, 'approved', 'rejected', t);
    })();
  }

  /** Allows a domain and its subdomains always: their waiting mentions are approved. */
  function allowDomain(domain: string): void {
    const t = now();
    deps.db.transaction(() => {
      store.upsertDomainRule(domain, 'allow', t);
      store.updateModerationForDomain(domain, 'pending', 'approved', t);
    })();
  }

  return {
    ruleFor,
    /** True when a host (or a parent domain) is blocked. */
    isBlocked: (host: string) => ruleFor(host) === 'block',
    /** Whether verified mentions are approved without waiting. */
    isAutoApprove,
    /** Turns auto-approval on or off. */
    setAutoApprove(on: boolean): void {
      settings.upsertSetting(AUTO_APPROVE_KEY, on ? 'true' : 'false', now());
    },
    /**
     * The moderation state of a freshly verified mention: a decision already taken on this pair
     * stands (an update of an approved mention stays approved); otherwise approved when the
     * owner allowed its domain or turned auto-approval on, else pending.
     */
    decide(row: WebmentionRow): Moderation {
      if (row.moderation !== 'pending') return row.moderation;
      if (ruleFor(row.source_host) === 'allow' || isAutoApprove()) return 'approved';
      return 'pending';
    },
    /** Approves a mention. */
    approve(id: number): void {
      need(id);
      store.updateModeration(id, 'approved', now());
    },
    /** Rejects a mention (it is not shown; an update from its source stays rejected). */
    reject(id: number): void {
      need(id);
      store.updateModeration(id, 'rejected', now());
    },
    /** Blocks the mention's domain: it and every other mention from there are rejected. Returns the domain. */
    blockDomainOf(id: number): string {
      const domain = parseDomain(need(id).source_host);
      if (!domain) throw new AppError('invalid_request', 'This mention has no domain that can be blocked.');
      blockDomain(domain);
      return domain;
    },
    /**
     * Approves a mention and allows its domain always, in one step: it (even if it was rejected)
     * and the other waiting mentions from there are approved, and later ones are shown at once.
     */
    allowDomainOf(id: number): string {
      const domain = parseDomain(need(id).source_host);
      if (!domain) throw new AppError('invalid_request', 'This mention has no domain that can be allowed.');
      deps.db.transaction(() => {
        allowDomain(domain);
        store.updateModeration(id, 'approved', now());
      })();
      return domain;
    },
    /**
     * Approves the listed mentions that still wait (the ones the owner saw on the screen: one that
     * arrived since is not approved unseen). Returns how many were approved.
     */
    approveWaiting(ids: readonly number[]): number {
      const t = now();
      return deps.db.transaction(() => {
        let n = 0;
        for (const id of ids) {
          const row = store.findWebmentionById(id);
          if (row?.moderation === 'pending' && row.verified_at !== null) {
            store.updateModeration(id, 'approved', t);
            n++;
          }
        }
        return n;
      })();
    },
    blockDomain,
    allowDomain,
    /** Forgets a domain's rule (mentions keep their state). True when there was one. */
    removeDomainRule: (domain: string) => store.deleteDomainRule(domain),
    /** Every domain rule. */
    listDomainRules: () => store.listDomainRules(),
  };
}

/** The moderation service type. */
export type ModerationService = ReturnType<typeof createModeration>;
