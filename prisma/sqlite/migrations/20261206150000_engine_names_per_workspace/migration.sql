-- DropIndex
DROP INDEX "Engine_name_key";

-- CreateIndex
CREATE UNIQUE INDEX "Engine_workspaceId_name_key" ON "Engine"("workspaceId", "name");
