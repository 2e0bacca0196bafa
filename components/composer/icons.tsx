/** Small inline icons (aria-hidden; the buttons carry the labels). */
const base = { "aria-hidden": true, viewBox: "0 0 20 20", fill: "none", stroke: "currentColor", strokeWidth: 1.7, strokeLinecap: "round", strokeLinejoin: "round" } as const;

export const GripIcon = ({ className = "size-4" }: { className?: string }) => (
  <svg {...base} className={className} fill="currentColor" stroke="none">
    {[5, 10, 15].map((y) => [7, 13].map((x) => <circle key={`${x}-${y}`} cx={x} cy={y} r={1.4} />))}
  </svg>
);
export const CloseIcon = ({ className = "size-3.5" }: { className?: string }) => (
  <svg {...base} className={className}>
    <path d="M5 5l10 10M15 5 5 15" />
  </svg>
);
export const SwapIcon = ({ className = "size-3.5" }: { className?: string }) => (
  <svg {...base} className={className}>
    <path d="M4 7h11l-3-3M16 13H5l3 3" />
  </svg>
);
export const ImageIcon = ({ className = "size-4" }: { className?: string }) => (
  <svg {...base} className={className}>
    <rect x="3" y="4" width="14" height="12" rx="2" />
    <circle cx="7.5" cy="8.5" r="1.5" />
    <path d="m17 13-4-4-7 7" />
  </svg>
);
export const PlusIcon = ({ className = "size-3.5" }: { className?: string }) => (
  <svg {...base} className={className}>
    <path d="M10 4v12M4 10h12" />
  </svg>
);
export const UploadIcon = ({ className = "size-3.5" }: { className?: string }) => (
  <svg {...base} className={className}>
    <path d="M10 13V4M6.5 7.5 10 4l3.5 3.5M4 13v2.5h12V13" />
  </svg>
);
export const UndoIcon = ({ className = "size-3.5" }: { className?: string }) => (
  <svg {...base} className={className}>
    <path d="M7.5 5 4 8.5 7.5 12" />
    <path d="M4 8.5h8a4 4 0 0 1 0 8H9" />
  </svg>
);
