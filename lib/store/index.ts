/**
 * The storage layer's public face: domain functions returning plain DTOs
 * (./types) and throwing AppError. Nothing outside lib/store touches Prisma.
 */
import "server-only";
export * from "./types";
export { listLibraries, getLibrary, createLibrary, deleteLibrary, ensureDefaultLibrary, findLibraryByName, DEFAULT_LIBRARY_NAME, type CreateLibraryInput } from "./libraries";
export {
  listTemplates,
  getTemplate,
  createTemplate,
  saveTemplateVersion,
  getTemplateVersion,
  restoreTemplateVersion,
  forkTemplate,
  deleteTemplate,
  type CreateTemplateInput,
  type SaveVersionInput,
  type ForkTemplateInput,
} from "./templates";
export {
  putAsset,
  getAssetInfo,
  getAssetBytes,
  getAssetThumbnail,
  missingAssets,
  assetUsage,
  describeUsage,
  deleteAsset,
  deleteUnusedAssets,
  type PutAssetInput,
  type AssetMediaType,
  type AssetUsage,
} from "./assets";
export { exportLibrary, importLibrary, type ImportOptions, type ImportedImage } from "./exchange";
export { getDatasetItems } from "./datasets";
export { databaseHealth, type DatabaseHealth } from "./health";
export { migrate, migrationStatus, type MigrateResult, type MigrationStatus } from "./migrate";
export {
  listNotebooks,
  getNotebook,
  getNotebookVersion,
  createNotebook,
  saveNotebookVersion,
  restoreNotebookVersion,
  deleteNotebook,
  saveCellRun,
  listCellRuns,
  parseNotebookDocument,
  type CreateNotebookInput,
  type SaveNotebookVersionInput,
  type CellRunInput,
} from "./notebooks";
export { listSweeps, getSweep, deleteSweep, cancelSweep, listSweepResults, type StoredSweepConfig } from "./sweeps";
export {
  listStoredEngines,
  findStoredEngine,
  storedEngineConfig,
  createStoredEngine,
  updateStoredEngine,
  deleteStoredEngine,
  setStoredEngineCapabilities,
  type StoredEngineInput,
  type StoredEnginePatch,
} from "./engines";
