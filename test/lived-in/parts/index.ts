/**
 * The parts of the lived-in site, in the order they are built. A new feature adds its part here
 * (see README.md): it then lives beside every other feature through every step of the test.
 */
import type { Part } from '../world.js';
import { accounts } from './accounts.js';
import { activityPub } from './activitypub.js';
import { doctor } from './doctor.js';
import { movingIn } from './moving-in.js';
import { pages } from './pages.js';
import { posts } from './posts.js';
import { settings } from './settings.js';
import { tokens } from './tokens.js';
import { webmentions, webmentionsSent } from './webmentions.js';

export const PARTS: Part[] = [
  settings,
  accounts,
  posts,
  pages,
  webmentions,
  webmentionsSent,
  activityPub,
  tokens,
  movingIn,
  doctor,
];
