// mentornet portal: small enhancements only; every page works without this file.
"use strict";

// Timer buttons need this file to do anything, so they stay hidden until it runs (the
// minutes of each step are written beside them either way).
for (const button of document.querySelectorAll("[data-timer-start][hidden]")) {
  button.hidden = false;
}

// Critical-incident timers: a button starts a countdown for each step (seed 001's timed steps).
// The countdown itself is silent to screen readers (aria-live="off" on the timer); the end of
// the step is said once, politely, through the page's announcer when it names one.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-timer-start]");
  if (!button) return;
  const output = document.getElementById(button.dataset.timerStart);
  if (!output) return;
  const announcer = document.getElementById(button.dataset.timerAnnounce || "");
  let left = Number(button.dataset.seconds || "0");
  clearInterval(Number(output.dataset.interval || "0"));
  if (announcer) announcer.textContent = "";
  const show = () => {
    const m = Math.floor(left / 60);
    const s = String(left % 60).padStart(2, "0");
    output.textContent = `${m}:${s}`;
  };
  show();
  output.dataset.interval = String(setInterval(() => {
    left -= 1;
    if (left <= 0) {
      clearInterval(Number(output.dataset.interval));
      left = 0;
      output.textContent = "Time";
      if (announcer) announcer.textContent = button.dataset.timerEnd || "Time is up.";
      return;
    }
    show();
  }, 1000));
});

// Message threads open at their newest message, and stay there as new ones arrive.
function scrollThreads() {
  for (const thread of document.querySelectorAll(".thread")) {
    thread.scrollTop = thread.scrollHeight;
  }
}
document.addEventListener("DOMContentLoaded", scrollThreads);
document.addEventListener("htmx:after:swap", scrollThreads);
