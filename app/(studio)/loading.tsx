export default function Loading() {
  return (
    <div className="flex animate-pulse flex-col gap-4" aria-busy="true" aria-label="Loading">
      <div className="h-8 w-64 rounded bg-stone-200" />
      <div className="h-10 rounded bg-stone-200" />
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 xl:grid-cols-3">
        {[0, 1, 2].map((i) => (
          <div key={i} className="h-48 rounded-lg bg-stone-200" />
        ))}
      </div>
    </div>
  );
}
