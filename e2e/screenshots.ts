/**
 * Takes screenshots of the main pages in both languages at a laptop and a phone size, and says
 * which pages scroll sideways and which scripts the first page loaded. A program for people
 * looking at the client, not a test: `node --conditions=source --import tsx e2e/screenshots.ts [dir]`
 * after `npm run build -w client`.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CourseDetailSchema, ModuleSchema, SessionResponseSchema } from '@learnlive/contracts';
import { launchChromium } from '@learnlive/testing';
import { postJson, signedInPage, startTestSystem, uniqueWord } from './support.js';

const out = process.argv[2] ?? '/tmp/learnlive-screenshots';
const only = process.argv[3];
await mkdir(out, { recursive: true });
const adminEmail = `admin-${uniqueWord()}@example.org`;
const system = await startTestSystem('screenshots', { ADMIN_EMAILS: adminEmail });
const baseUrl = system.url;
const browser = await launchChromium();

try {
  const account = (
    displayName: string,
    role: 'learner' | 'instructor',
    email = `${uniqueWord()}@example.org`,
  ) =>
    postJson(baseUrl, '/api/auth/register', (b) => SessionResponseSchema.parse(b), {
      body: { email, password: 'correct horse battery', displayName, role },
    });
  const teacher = await account('Grace Hopper', 'instructor');
  const learner = await account('Zoé Lefèvre', 'learner');
  const admin = await account('Ada Admin', 'learner', adminEmail);
  const course = await postJson(baseUrl, '/api/courses', (b) => CourseDetailSchema.parse(b), {
    token: teacher.accessToken,
    body: { title: 'Origami fundamentals', summary: 'Folding paper, step by step 🦢', domain: 'crafts' },
  });
  const mod = await postJson(baseUrl, `/api/courses/${course.id}/modules`, (b) => ModuleSchema.parse(b), {
    token: teacher.accessToken,
    body: { title: 'First folds' },
  });
  await postJson(baseUrl, `/api/modules/${mod.id}/lessons`, (b) => b, {
    token: teacher.accessToken,
    body: { title: 'The valley fold', kind: 'text', body: 'Fold towards you.' },
  });
  await postJson(baseUrl, `/api/courses/${course.id}/publish`, (b) => b, { token: teacher.accessToken });
  await postJson(baseUrl, `/api/courses/${course.id}/enrollment`, (b) => b, {
    token: learner.accessToken,
  }).catch((err: unknown) => console.warn(String(err)));

  const pages: { name: string; path: string; who?: typeof learner }[] = [
    { name: 'home', path: '/' },
    { name: 'sign-in', path: '/sign-in' },
    { name: 'members-only', path: '/learning' },
    { name: 'catalog', path: '/courses', who: learner },
    { name: 'course', path: `/courses/${course.id}`, who: learner },
    { name: 'learning', path: '/learning', who: learner },
    { name: 'community', path: '/community', who: learner },
    { name: 'profile', path: '/profile', who: learner },
    { name: 'sessions', path: '/sessions', who: learner },
    { name: 'teach', path: '/teach', who: teacher },
    { name: 'editor', path: `/teach/${course.id}`, who: teacher },
    { name: 'admin-payments', path: '/admin/payments', who: admin },
    { name: 'moderation', path: '/community/moderation', who: admin },
  ];
  const sizes = [
    { tag: 'laptop', viewport: { width: 1366, height: 800 } },
    { tag: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  ];
  for (const locale of ['en', 'fr'] as const) {
    for (const size of sizes) {
      for (const spec of pages.filter((p) => !only || p.name.includes(only))) {
        const options = { viewport: size.viewport, isMobile: size.isMobile, hasTouch: size.hasTouch };
        const page = spec.who
          ? await signedInPage(browser, baseUrl, spec.who, options)
          : await (await browser.newContext(options)).newPage();
        const scripts: string[] = [];
        page.on('request', (req) => {
          if (req.resourceType() === 'script') scripts.push(new URL(req.url()).pathname);
        });
        // the language as chosen on this device (the switcher stores it)
        await page.goto(new URL('/status', baseUrl).href);
        // (page code as strings: the typecheck of the e2e files has no DOM library)
        await page.evaluate(`localStorage.setItem('learnlive.locale', '${locale}')`);
        scripts.length = 0;
        await page.goto(new URL(spec.path, baseUrl).href, { waitUntil: 'networkidle' });
        // web fonts (the emoji subsets) load after the first layout
        await page.evaluate('document.fonts.ready.then(() => undefined)');
        const file = join(out, `${spec.name}-${locale}-${size.tag}.png`);
        await page.screenshot({ path: file, fullPage: true });
        const overflow = Number(
          await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
        );
        const lang = String(await page.evaluate('document.documentElement.lang'));
        process.stdout.write(
          [
            file,
            `lang=${lang}`,
            overflow > 0 ? `SCROLLS SIDEWAYS by ${overflow}px` : 'fits',
            scripts.join(' '),
          ].join('  ') + '\n',
        );
        await page.context().close();
      }
    }
  }
} finally {
  await browser.close();
  await system.close();
}
