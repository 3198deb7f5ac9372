import type { Config } from '../config.js';
import type { PageSite } from '../views/layout.js';
import { discoveryLinks, siteUrls } from './urls.js';

/** The site facts every page renders, built once from configuration. */
export function pageSiteFrom(config: Config): PageSite {
  return {
    name: config.siteName,
    url: config.siteUrl,
    author: config.siteAuthor,
    description: config.siteDescription,
    authorPhoto: config.author?.photo ?? '',
    authorNote: config.author?.note ?? '',
    relMe: config.author?.relMe ?? [],
    links: discoveryLinks(siteUrls(config), config.adminMe),
  };
}
