export {
  KPATCH_MAGIC, KPATCH_HEADER_SIZE, KPATCH_INFO_ENTRY_SIZE, KPATCH_INFO_TERMINATOR_SIZE, KPATCH_ID_MAX, KPATCH_BUILDID_MAX,
  decodeKpatchHeader, encodeKpatchHeader, hasKpatchMagic, type KpatchHeader,
} from './header.js';
export { decodeInfoEntries, encodeInfoEntries, isInfoTerminator, KPATCH_INFO_PATCH_APPLIED, type KpatchInfoEntry } from './info.js';
export { parseKpatch, readKpatchFile, type KpatchFile } from './reader.js';
export { stripToPatch, isKeptSection, jumpSize } from './strip.js';
export { EH_OBJECT_RESERVED, ehFrameLayout } from './eh-frame-records.js';
export { KPATCH_EH_FRAME, KPATCH_EH_FRAME_RELA } from './kpatch-eh-frame.js';
export { relFixup } from './rel-fixup.js';
export { stripUnneeded } from './strip-unneeded.js';
export { undoLink } from './undo-link.js';
export { makeKpatch, normalizeBuildId, checkPatchId, type MakeKpatchOptions } from './make.js';
export { buildKpatch, type BuildKpatchOptions, type BuildKpatchResult } from './build.js';
export { describeInfoEntries, type KpatchInfoDescription } from './describe.js';
export { formatInfo } from './format-info.js';
export {
  SIGNATURE_SUFFIX, generateSigningKeys, loadPrivateKey, loadPublicKey, keyFingerprint, signKpatch, verifyKpatchSignature,
  type SigningKeyPair,
} from './signature.js';
