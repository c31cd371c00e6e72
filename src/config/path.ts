/** Where a repository keeps its archgate config (a module of its own, so reading it needs no schema). */
export const CONFIG_PATH = ".github/archgate.yml";
