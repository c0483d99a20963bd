/** Placeholder replaced by the inbox scenario (issue 5, item 2). */
export async function inbox(_options: { tasks?: number; users?: number; c?: number; seconds?: number; smoke: boolean }): Promise<void> {
  throw new Error('inbox scenario: not written yet');
}
