/** Shown for unknown pages and conversations. */
export default function NotFound() {
  return (
    <main class="page-message">
      <h1>Not found</h1>
      <p>
        There is nothing here. <a href="/">Start a new chat</a>.
      </p>
    </main>
  );
}
