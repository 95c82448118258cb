/**
 * Query strings carry text; the contract schemas want integers. Digit-only values
 * become numbers, everything else is left as is for the schema to refuse, so REST
 * and Socket.IO validate with the very same schema.
 */
export function integersIn(query: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...query };
  for (const key of keys) {
    const value = out[key];
    if (typeof value === 'string' && /^\d{1,15}$/.test(value)) out[key] = Number(value);
  }
  return out;
}
