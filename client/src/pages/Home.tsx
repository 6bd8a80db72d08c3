export function Home() {
  return (
    <section>
      <h1>Learn live, together</h1>
      <p>Live classes, mentor sessions, recorded lessons and a community that answers.</p>
    </section>
  );
}
