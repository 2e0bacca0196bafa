/** The seeded Examples library: images, templates, and the idempotent seed. Server-only. */
import "server-only";
export { seedExamples, EXAMPLES_LIBRARY_NAME, type SeedReport } from "./seed";
export { exampleTemplates, type AssetIdOf } from "./templates";
export { loadExampleImages, EXAMPLE_IMAGES_DIR, type ExampleImageBytes } from "./images";
export { EXAMPLE_IMAGES, EXAMPLE_IMAGE_FILES, type ExampleImageFile } from "./catalog";
export { seedExampleDatasets, EXAMPLE_DATASETS, EXAMPLE_DATASETS_DIR, type ExampleDataset, type ExampleDatasetReport } from "./datasets";
