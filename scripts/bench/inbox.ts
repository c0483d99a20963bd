/** Placeholder replaced by the inbox scenario (issue 5, item 2). */
export function inbox(_options: { tasks?: number; users?: number; c?: number; seconds?: number; smoke: boolean }): Promise<void> {
  return Promise.reject(new Error("inbox scenario: not written yet"));
}
