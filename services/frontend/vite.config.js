import { defineConfig } from "vite";

const DEV_API_URL = "http://localhost:8080";

// The built bundle never holds the API URL: the container writes /config.js when it
// starts. The dev server plays that part from API_URL.
function runtimeConfigForDev() {
  return {
    name: "slipway-runtime-config",
    apply: "serve",
    configureServer(server) {
      server.middlewares.use("/config.js", (_request, response) => {
        const config = { apiUrl: process.env.API_URL || DEV_API_URL };
        response.setHeader("Content-Type", "text/javascript");
        response.setHeader("Cache-Control", "no-store");
        response.end(`window.SLIPWAY_CONFIG = ${JSON.stringify(config)};\n`);
      });
    },
  };
}

export default defineConfig({ plugins: [runtimeConfigForDev()] });
