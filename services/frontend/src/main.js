import "./style.css";

const form = document.querySelector("#new-note");
const input = document.querySelector("#note-text");
const list = document.querySelector("#notes");
const empty = document.querySelector("#empty");
const statusBox = document.querySelector("#status");

const apiUrl = window.SLIPWAY_CONFIG?.apiUrl?.replace(/\/+$/, "");

class ApiError extends Error {}

async function call(method, path, body) {
  const options = { method };
  if (body !== undefined) {
    options.headers = { "Content-Type": "application/json" };
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${apiUrl}${path}`, options);
  } catch {
    throw new ApiError(
      `Cannot reach the backend at ${apiUrl}. Check that it is running and that ` +
        "its CORS_ORIGINS lists this page's origin.",
    );
  }
  if (!response.ok) {
    throw new ApiError(`The backend answered ${response.status} to ${method} ${path}.`);
  }
  return response.status === 204 ? null : response.json();
}

function showStatus(message) {
  statusBox.textContent = message;
  statusBox.hidden = !message;
}

function render(notes) {
  list.replaceChildren(
    ...notes.map((note) => {
      const item = document.createElement("li");
      const text = document.createElement("span");
      text.textContent = note.text;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Delete";
      remove.setAttribute("aria-label", `Delete "${note.text}"`);
      remove.addEventListener("click", () => run(() => call("DELETE", `/api/notes/${note.id}`)));
      item.append(text, remove);
      return item;
    }),
  );
  empty.hidden = notes.length > 0;
}

async function run(change) {
  try {
    await change();
    render(await call("GET", "/api/notes"));
    showStatus("");
  } catch (error) {
    showStatus(error instanceof ApiError ? error.message : `Unexpected error: ${error}`);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  run(async () => {
    await call("POST", "/api/notes", { text });
    input.value = "";
  });
});

if (apiUrl) {
  document.querySelector("#api-url").textContent = apiUrl;
  run(async () => {});
} else {
  form.querySelector("button").disabled = true;
  showStatus(
    "This page has no backend to talk to: /config.js did not set " +
      "window.SLIPWAY_CONFIG.apiUrl.",
  );
}
