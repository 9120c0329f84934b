// Uploads: each photo goes up in its own request, so a phone shows progress per photo
// and one bad file never holds up the others. Without JavaScript the form posts as is.
(function () {
  "use strict";
  const PARALLEL_UPLOADS = 2;

  function placeholderCard(file) {
    const card = document.createElement("article");
    card.className = "card status-uploading";
    const body = document.createElement("div");
    body.className = "card-body";
    const name = document.createElement("span");
    name.className = "muted name";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    body.append(bar, name);
    const thumb = document.createElement("span");
    thumb.className = "placeholder";
    card.append(thumb, body);
    return card;
  }

  function addMessage(list, text) {
    const item = document.createElement("li");
    item.className = "error";
    item.textContent = text;
    list.append(item);
  }

  function send(form, file, card, list) {
    return new Promise(function (resolve) {
      const data = new FormData();
      data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      data.append("photos", file, file.name);
      const request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("HX-Request", "true");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) card.querySelector("progress").value = (100 * event.loaded) / event.total;
      });
      request.addEventListener("load", function () {
        const template = document.createElement("template");
        template.innerHTML = request.responseText;
        const cards = template.content.querySelectorAll("article.card");
        template.content.querySelectorAll("li").forEach(function (li) { list.append(li); });
        const count = template.content.getElementById("item-count");
        const shown = document.getElementById("item-count");
        if (count && shown) shown.replaceWith(count);
        if (cards.length) {
          card.replaceWith.apply(card, Array.from(cards));
          cards.forEach(function (c) { if (window.htmx) htmx.process(c); });
        } else {
          card.remove();
          if (!template.content.querySelector("li")) addMessage(list, file.name + ": " + (request.statusText || "upload failed"));
        }
        resolve();
      });
      request.addEventListener("error", function () {
        card.remove();
        addMessage(list, file.name + ": " + (document.documentElement.lang === "ko" ? "업로드하지 못했습니다." : "upload failed."));
        resolve();
      });
      request.send(data);
    });
  }

  async function uploadAll(form, files) {
    const grid = document.querySelector(form.dataset.uploadTarget);
    const list = document.querySelector(form.dataset.uploadMessages);
    const empty = document.getElementById("grid-empty");
    if (empty) empty.remove();
    const queue = Array.from(files).map(function (file) {
      const card = placeholderCard(file);
      grid.prepend(card);
      return { file: file, card: card };
    });
    async function worker() {
      while (queue.length) {
        const next = queue.shift();
        await send(form, next.file, next.card, list);
      }
    }
    await Promise.all(Array.from({ length: PARALLEL_UPLOADS }, worker));
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Filters start open (so they work without JavaScript); a phone folds them away.
    // A wide window hides the fold's button, so it must open them again.
    const phone = window.matchMedia("(max-width: 600px)");
    function fitFilters() {
      document.querySelectorAll("details[data-fold-on-phone]").forEach(function (d) { d.open = !phone.matches; });
    }
    fitFilters();
    phone.addEventListener("change", fitFilters);
    const form = document.getElementById("upload");
    if (!form) return;
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () {
        if (input.files.length) uploadAll(form, input.files).then(function () { input.value = ""; });
      });
    });
    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (event) { event.preventDefault(); form.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      form.addEventListener(name, function (event) { event.preventDefault(); form.classList.remove("dragging"); });
    });
    form.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) uploadAll(form, event.dataTransfer.files);
    });
  });
})();

// A link into the folded edit form (e.g. "Edit caption") opens the form first.
document.addEventListener("click", function (event) {
  const link = event.target.closest('a[href^="#id_"]');
  if (!link) return;
  const field = document.querySelector(link.getAttribute("href"));
  const fold = field && field.closest("details");
  if (fold) fold.open = true;
});

// A polled item that is gone (deleted in another tab) answers 404: its poller goes, or htmx
// would ask again every few seconds until the tab closes (it stops only on 286 or removal).
document.addEventListener("htmx:responseError", function (event) {
  const poller = event.detail.elt;
  if (event.detail.xhr.status === 404 && poller.hasAttribute("data-item-poll")) poller.remove();
});

// A signed-out session (expired, or signed out in another tab) answers a poll or a button
// with the login page: go there instead of drawing it inside a card.
document.addEventListener("htmx:beforeSwap", function (event) {
  const url = event.detail.xhr.responseURL || "";
  if (url.indexOf("/accounts/login/") !== -1) {
    event.detail.shouldSwap = false;
    window.location.assign(url);
  }
});
