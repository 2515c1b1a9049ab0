// Short notices shown in a corner: a server refusal after an optimistic change, a done import.

import { useSyncExternalStore } from 'react';

export interface Toast {
  id: number;
  kind: 'error' | 'success';
  text: string;
}

const TOAST_LIFETIME_MS = 6_000;

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

function publish(next: Toast[]) {
  toasts = next;
  listeners.forEach((listener) => listener());
}

export function dismissToast(id: number) {
  publish(toasts.filter((toast) => toast.id !== id));
}

function show(kind: Toast['kind'], text: string) {
  const id = nextId++;
  publish([...toasts, { id, kind, text }]);
  setTimeout(() => dismissToast(id), TOAST_LIFETIME_MS);
}

export const toast = {
  error: (text: string) => show('error', text),
  success: (text: string) => show('success', text),
};

export function useToasts(): Toast[] {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => toasts,
  );
}
