import { Link } from 'react-router-dom';
import type { NextLesson } from '@learnlive/contracts';
import { lessonPath } from './lessonPath.js';

const LABELS: { readonly [K in NextLesson['state']]: string } = {
  start: 'Start',
  continue: 'Continue',
  review: 'Review',
};

/** Start / Continue / Review: the way into the lesson the learner should open next. */
export function ContinueButton({ courseId, next }: { courseId: string; next: NextLesson | null }) {
  if (!next) return null;
  return (
    <Link className="button primary" data-testid="continue" to={lessonPath(courseId, next.lessonId)}>
      {LABELS[next.state]}
    </Link>
  );
}
