import { z } from 'zod';
import { resourceId } from '../http/admin';

/** An avatar's knowledge documents, as Runway limits them (its own schema: at most 50). */
export const documentIds = z.array(resourceId('Document')).max(50).meta({ description: 'Knowledge documents (≤ 50, and ≤ the token budget in total).' });
