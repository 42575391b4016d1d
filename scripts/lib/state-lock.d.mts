export declare const LOCK_FILE: string;
export declare function claimStateDir(dir: string, pid?: number): () => void;
