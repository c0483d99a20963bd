// The subpath keeps zod (re-exported by the package root) out of the browser bundle.
import { abilityFromPackedRules } from '@p2p/domain/abilities';
import type { LayoutLoad } from './$types';

/** Unpacks the rules once per navigation; every page below reads `data.ability` to hide what the API would refuse. */
export const load: LayoutLoad = ({ data }) => ({ ...data, ability: abilityFromPackedRules(data.rules) });
