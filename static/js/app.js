// Marks that JavaScript runs, so the CSS can collapse the phone menu behind its toggle.
// Without JavaScript the menu stays open and every link and form in it works.
document.documentElement.classList.remove("no-js");
