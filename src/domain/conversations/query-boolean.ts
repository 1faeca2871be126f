/**
 * A boolean that may arrive as a query string: `true` and `false` as text are taken for what they say.
 */
import { z } from 'zod';

export const QueryBoolean = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean(),
);
