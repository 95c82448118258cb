// @ts-check
/**
 * Root Jest config: one project per app and lib, all generated from jest.preset.js.
 *   npx jest                              # everything
 *   npx jest --selectProjects gateway     # one project (displayName = Nx project name)
 */
const fs = require('node:fs');
const path = require('node:path');
const { projectConfig, workspaceRoot } = require('./jest.preset');

/** Every apps/<name> and libs/<name> directory that has a project.json, k8s/ (manifest tests) and bench/. */
function discoverProjects() {
  const found = [];
  for (const dir of ['k8s', 'bench']) {
    const projectJson = path.join(workspaceRoot, dir, 'project.json');
    if (fs.existsSync(projectJson)) found.push(projectConfig(JSON.parse(fs.readFileSync(projectJson, 'utf8')).name || dir, dir));
  }
  for (const group of ['apps', 'libs']) {
    const groupDir = path.join(workspaceRoot, group);
    if (!fs.existsSync(groupDir)) continue;
    for (const entry of fs.readdirSync(groupDir, { withFileTypes: true })) {
      const dir = path.join(groupDir, entry.name);
      const projectJson = path.join(dir, 'project.json');
      if (!entry.isDirectory() || !fs.existsSync(projectJson)) continue;
      const name = JSON.parse(fs.readFileSync(projectJson, 'utf8')).name || entry.name;
      found.push(projectConfig(name, `${group}/${entry.name}`));
    }
  }
  return found.sort((a, b) => String(a.displayName).localeCompare(String(b.displayName)));
}

/** @type {import('jest').Config} */
module.exports = {
  projects: discoverProjects(),
};
