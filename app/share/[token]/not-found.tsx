/** A share link that was revoked, never existed, or whose library, template or notebook was deleted. */
export default function ShareGone() {
  return (
    <div className="card mx-auto flex max-w-md flex-col items-center gap-3 px-6 py-12 text-center" data-testid="share-gone">
      <h1 className="text-xl font-semibold">This link does not open anything</h1>
      <p className="text-sm text-stone-600">The share link was revoked, or never existed, or what it shared was deleted. Ask whoever sent it for a new one.</p>
    </div>
  );
}
