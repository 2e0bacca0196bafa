import Link from "next/link";

export default function NotFound() {
  return (
    <div className="card mx-auto flex max-w-md flex-col items-center gap-3 px-6 py-12 text-center" data-testid="not-found">
      <h1 className="text-xl font-semibold">Not found</h1>
      <p className="text-sm text-stone-600">There is no such template, version or library. It may have been deleted.</p>
      <Link href="/" className="btn btn-primary">
        Back to the library
      </Link>
    </div>
  );
}
