export {};
declare global {
  interface Window {
    __flamingoSourceEditor?: { getValue(): string; setValue(value: string): void };
  }
}
