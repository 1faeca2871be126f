/**
 * Credit packs sold through MPP. One credit buys one campaign.
 */
export interface CreditPack {
  id: string;
  credits: number;
  priceCents: number;
}

export const PACKS: Readonly<Record<string, CreditPack>> = {
  pack_5: { id: 'pack_5', credits: 5, priceCents: 1200 },
};

export function packOf(id: string): CreditPack | undefined {
  return Object.hasOwn(PACKS, id) ? PACKS[id] : undefined;
}
