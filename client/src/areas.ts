import * as account from './account/routes.js';
import * as community from './community/routes.js';
import * as live from './live/routes.js';
import * as lessons from './lessons/routes.js';

/** Each feature area owns its folder, its routes and its navigation links. */
export const areas = [account, lessons, live, community];
export const navLinks = areas.flatMap((area) => area.navLinks);
