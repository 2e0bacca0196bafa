"use client";

import { KeyboardSensor, PointerSensor, useSensor, useSensors, type Announcements } from "@dnd-kit/core";
import { sortableKeyboardCoordinates } from "@dnd-kit/sortable";

/** Pointer (after a 4 px move, so clicks stay clicks) and keyboard (Space to lift, arrows, Space to drop, Esc to cancel). */
export function useSortSensors() {
  return useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
}

export const screenReaderInstructions = {
  draggable: "To move this item, press Space or Enter. Use the arrow keys to move it, Space or Enter to drop it here, or Escape to cancel.",
};

/** Live-region messages that name the items ("Shot 2"), not their ids. */
export function announcements(nameOf: (id: string | number) => string): Announcements {
  return {
    onDragStart: ({ active }) => `Picked up ${nameOf(active.id)}.`,
    onDragOver: ({ active, over }) => (over ? `${nameOf(active.id)} is over the place of ${nameOf(over.id)}.` : `${nameOf(active.id)} is not over a place.`),
    onDragEnd: ({ active, over }) => (over ? `Dropped ${nameOf(active.id)} at the place of ${nameOf(over.id)}.` : `Dropped ${nameOf(active.id)}.`),
    onDragCancel: ({ active }) => `Moving ${nameOf(active.id)} was cancelled.`,
  };
}
