/** The result line of a page's last action, read out by screen readers. */
export function Notice({ id, text }: { id: string; text: string }) {
  if (!text) return null;
  return (
    <p class="notice" id={id} role="status">
      {text}
    </p>
  );
}
