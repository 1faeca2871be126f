/**
 * mppx's wire formats for MPP credentials and challenges, loaded on first use: mppx pulls in viem and
 * several hundred modules, which a server whose calls carry no MPP credential or challenge never needs
 * (without the MPP rail none ever does).
 */
import type { Challenge, Credential } from 'mppx';

let loading: Promise<typeof import('mppx')> | undefined;

function mppx(): Promise<typeof import('mppx')> {
  loading ??= import('mppx');
  return loading;
}

/** `Payment <credential>` of a credential object (the challenge with its request decoded), by mppx. */
export async function serializeCredential(credential: Credential.Credential): Promise<string> {
  return (await mppx()).Credential.serialize(credential);
}

/** The challenges of a `WWW-Authenticate` header holding `Payment` challenges, by mppx. */
export async function deserializeChallenges(header: string): Promise<Challenge.Challenge[]> {
  return (await mppx()).Challenge.deserializeList(header);
}
