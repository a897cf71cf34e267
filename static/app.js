// The web app's entry point: for now it shows whether the server is ready.
const status = document.getElementById("status");
fetch("/readyz")
  .then((response) => response.json().then((body) => ({ ok: response.ok, body })))
  .then(({ ok, body }) => {
    status.textContent = ok ? "All systems ready." : body.error.message;
  })
  .catch(() => { status.textContent = "The server does not answer."; });
