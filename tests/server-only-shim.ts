// vitest runs outside Next's bundler: `server-only` has nothing to guard there.
export {};
