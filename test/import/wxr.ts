/**
 * WXR files as WordPress's exporter writes them (wp-admin/includes/export.php), in the variants the
 * evidence allows: WXR 1.0, 1.1 and 1.2 (the namespace URI names the version, over http or https),
 * text in CDATA (`wxr_cdata`, which splits `]]>`) or escaped, optional tags present or missing.
 * Built from the exporter's template, never from our reader.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { main } from '../../src/cli/run.js';
import { captureIo } from '../helpers/io.js';

/** One post or page of a generated export. */
export interface WxrPost {
  id: number;
  title: string;
  content: string;
  type?: 'post' | 'page' | 'attachment';
  status?: string;
  name?: string;
  dateGmt?: string | null;
  date?: string;
  link?: string;
  parent?: number;
  menuOrder?: number;
  terms?: { domain: string; nicename: string; name: string }[];
  meta?: Record<string, string>;
  attachmentUrl?: string;
  comments?: {
    id: number;
    author: string;
    authorUrl?: string;
    content: string;
    approved: string;
    type?: string;
    parent?: number;
    dateGmt: string;
  }[];
}

/** How to write the file. */
export interface WxrStyle {
  version: '1.0' | '1.1' | '1.2';
  scheme?: 'http' | 'https';
  cdata: boolean;
  /** Leave out what the exporter may leave out (post_date_gmt, guid, post_name, excerpt). */
  sparse?: boolean;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The exporter's `wxr_cdata`, or escaped text. */
function text(s: string, style: WxrStyle): string {
  return style.cdata ? `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>` : escapeXml(s);
}

/** A WXR document for `site` holding `posts`. */
export function wxr(site: string, posts: WxrPost[], style: WxrStyle): string {
  const ns = `${style.scheme ?? 'http'}://wordpress.org/export/${style.version}/`;
  const t = (s: string) => text(s, style);
  const items = posts.map((p) => {
    const type = p.type ?? 'post';
    const link = p.link ?? `${site}/?p=${p.id}`;
    const lines = [
      '\t<item>',
      `\t\t<title>${t(p.title)}</title>`,
      `\t\t<link>${escapeXml(link)}</link>`,
      `\t\t<pubDate>Mon, 01 Jan 2018 10:00:00 +0000</pubDate>`,
      `\t\t<dc:creator>${t('admin')}</dc:creator>`,
      style.sparse ? '' : `\t\t<guid isPermaLink="false">${escapeXml(`${site}/?p=${p.id}`)}</guid>`,
      '\t\t<description></description>',
      `\t\t<content:encoded>${t(p.content)}</content:encoded>`,
      style.sparse ? '' : `\t\t<excerpt:encoded>${t('')}</excerpt:encoded>`,
      `\t\t<wp:post_id>${p.id}</wp:post_id>`,
      `\t\t<wp:post_date>${t(p.date ?? p.dateGmt ?? '2018-01-01 10:00:00')}</wp:post_date>`,
      style.sparse || p.dateGmt === null
        ? ''
        : `\t\t<wp:post_date_gmt>${t(p.dateGmt ?? '2018-01-01 10:00:00')}</wp:post_date_gmt>`,
      `\t\t<wp:comment_status>${t('open')}</wp:comment_status>`,
      `\t\t<wp:ping_status>${t('open')}</wp:ping_status>`,
      style.sparse && !p.name ? '' : `\t\t<wp:post_name>${t(p.name ?? `post-${p.id}`)}</wp:post_name>`,
      `\t\t<wp:status>${t(p.status ?? (type === 'attachment' ? 'inherit' : 'publish'))}</wp:status>`,
      `\t\t<wp:post_parent>${p.parent ?? 0}</wp:post_parent>`,
      `\t\t<wp:menu_order>${p.menuOrder ?? 0}</wp:menu_order>`,
      `\t\t<wp:post_type>${t(type)}</wp:post_type>`,
      `\t\t<wp:post_password>${t('')}</wp:post_password>`,
      `\t\t<wp:is_sticky>0</wp:is_sticky>`,
      p.attachmentUrl ? `\t\t<wp:attachment_url>${t(p.attachmentUrl)}</wp:attachment_url>` : '',
      ...(p.terms ?? []).map(
        (c) => `\t\t<category domain="${c.domain}" nicename="${c.nicename}">${t(c.name)}</category>`,
      ),
      ...Object.entries(p.meta ?? {}).map(
        ([k, v]) =>
          `\t\t<wp:postmeta>\n\t\t<wp:meta_key>${t(k)}</wp:meta_key>\n\t\t<wp:meta_value>${t(v)}</wp:meta_value>\n\t\t</wp:postmeta>`,
      ),
      ...(p.comments ?? []).map((c) =>
        [
          '\t\t<wp:comment>',
          `\t\t\t<wp:comment_id>${c.id}</wp:comment_id>`,
          `\t\t\t<wp:comment_author>${t(c.author)}</wp:comment_author>`,
          `\t\t\t<wp:comment_author_email>${t('someone@example.com')}</wp:comment_author_email>`,
          `\t\t\t<wp:comment_author_url>${escapeXml(c.authorUrl ?? '')}</wp:comment_author_url>`,
          `\t\t\t<wp:comment_author_IP>${t('192.0.2.1')}</wp:comment_author_IP>`,
          `\t\t\t<wp:comment_date>${t(c.dateGmt)}</wp:comment_date>`,
          `\t\t\t<wp:comment_date_gmt>${t(c.dateGmt)}</wp:comment_date_gmt>`,
          `\t\t\t<wp:comment_content>${t(c.content)}</wp:comment_content>`,
          `\t\t\t<wp:comment_approved>${t(c.approved)}</wp:comment_approved>`,
          `\t\t\t<wp:comment_type>${t(c.type ?? 'comment')}</wp:comment_type>`,
          `\t\t\t<wp:comment_parent>${c.parent ?? 0}</wp:comment_parent>`,
          `\t\t\t<wp:comment_user_id>0</wp:comment_user_id>`,
          '\t\t</wp:comment>',
        ].join('\n'),
      ),
      '\t</item>',
    ];
    return lines.filter((l) => l !== '').join('\n');
  });
  return [
    `<?xml version="1.0" encoding="UTF-8" ?>`,
    '<!-- This is a WordPress eXtended RSS file generated by WordPress as an export of your site. -->',
    `<rss version="2.0"`,
    `\txmlns:excerpt="${ns}excerpt/"`,
    '\txmlns:content="http://purl.org/rss/1.0/modules/content/"',
    '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"',
    '\txmlns:dc="http://purl.org/dc/elements/1.1/"',
    `\txmlns:wp="${ns}"`,
    '>',
    '<channel>',
    `\t<title>Old blog</title>`,
    `\t<link>${site}</link>`,
    '\t<description>Just another WordPress site</description>',
    '\t<language>en-US</language>',
    `\t<wp:wxr_version>${style.version}</wp:wxr_version>`,
    `\t<wp:base_site_url>${site}</wp:base_site_url>`,
    `\t<wp:base_blog_url>${site}</wp:base_blog_url>`,
    ...items,
    '</channel>',
    '</rss>',
    '',
  ].join('\n');
}

/** Writes a JPEG of `width`×`height` at `rel` under `folder` (an uploads folder). */
export async function writeJpeg(folder: string, rel: string, width = 64, height = 48): Promise<void> {
  const full = join(folder, rel);
  mkdirSync(dirname(full), { recursive: true });
  const bytes = await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .jpeg()
    .toBuffer();
  writeFileSync(full, bytes);
}

/** Runs `starpunk import …args` in-process on data directory `dir`; its exit code and output. */
export async function importCli(
  dir: string,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(
    {
      DATA_PATH: dir,
      SITE_URL: 'http://example.test/',
      SITE_NAME: 'Test Site',
      SITE_AUTHOR: 'Ada Lovelace',
      LOG_LEVEL: 'error',
      ...extraEnv,
    },
    dir,
  );
  const code = await main(['import', ...args], io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}
