import type { RouteObject } from 'react-router-dom';

/** This area's pages, mounted under the layout by ../routes.tsx. */
export const routes: RouteObject[] = [];

/** Links this area adds to the top navigation. */
export const navLinks: Array<{ to: string; label: string }> = [];
