"use client";

import { KeyboardSensor, PointerSensor, closestCorners, pointerWithin, useSensor, useSensors, type Announcements, type CollisionDetection } from "@dnd-kit/core";
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

/**
 * Collision detection for a wrapping strip of blocks of different sizes. A
 * pointer is over whatever it is within (else the closest corners). A keyboard
 * move puts the item's top-left corner on the target's (see
 * sortableKeyboardCoordinates), so the nearest top-left corner wins; centres
 * and corners would pick the item's own, smaller place beside a wide text block.
 */
export const stripCollisions: CollisionDetection = (args) => {
  if (args.pointerCoordinates) {
    const within = pointerWithin(args);
    return within.length > 0 ? within : closestCorners(args);
  }
  const { collisionRect: at, droppableRects } = args;
  return args.droppableContainers
    .flatMap((c) => {
      const r = droppableRects.get(c.id);
      return r ? [{ id: c.id, data: { droppableContainer: c, value: Math.hypot(r.left - at.left, r.top - at.top) } }] : [];
    })
    .sort((a, b) => a.data.value - b.data.value);
};
