-- DropIndex
DROP INDEX "SweepResult_sweepId_itemId_shots_seed_selection_key";

-- AlterTable
ALTER TABLE "SweepResult" ADD COLUMN "completionTokens" INTEGER;
ALTER TABLE "SweepResult" ADD COLUMN "engine" TEXT NOT NULL DEFAULT '';
ALTER TABLE "SweepResult" ADD COLUMN "error" TEXT;
ALTER TABLE "SweepResult" ADD COLUMN "promptTokens" INTEGER;

-- CreateIndex
CREATE UNIQUE INDEX "SweepResult_sweepId_engine_itemId_shots_seed_selection_key" ON "SweepResult"("sweepId", "engine", "itemId", "shots", "seed", "selection");
