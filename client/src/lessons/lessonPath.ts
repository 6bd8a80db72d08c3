/** The address of a lesson inside its course's lesson view. */
export function lessonPath(courseId: string, lessonId: string): string {
  return `/courses/${courseId}/lessons/${lessonId}`;
}
