export declare const LOCK_FILE: string;
export declare const TAKEOVER_DIR: string;
export declare function claimStateDir(
  dir: string,
  pid?: number,
  hooks?: { beforeTakeover?: () => void },
): () => void;
