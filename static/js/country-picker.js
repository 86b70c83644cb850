// The company profile's target markets (templates/accounts/_country_picker.html): a list
// of checkboxes that works on its own. This script adds a search box that filters the
// list on the Korean and English names and the codes, and a removable chip for each
// chosen country. The checkboxes stay the only thing the form posts.
(function () {
  "use strict";

  // Case, spacing and Unicode form do not matter: "south korea" finds "South Korea".
  function normalize(text) {
    return text.normalize("NFC").toLocaleLowerCase().replace(/\s+/g, "");
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? values[key] : whole;
    });
  }

  function enhance(picker) {
    const messages = picker.dataset;
    const chipsBox = picker.querySelector("[data-picker-chips]");
    const chipList = chipsBox.querySelector("ul");
    const noChips = chipsBox.querySelector("[data-picker-none]");
    const searchBox = picker.querySelector("[data-picker-search]");
    const search = searchBox.querySelector("input");
    const empty = picker.querySelector("[data-picker-empty]");
    const status = picker.querySelector("[data-picker-status]");
    const options = Array.from(picker.querySelectorAll("[data-search]"), function (row) {
      const name = row.textContent.trim();
      return {
        row: row,
        box: row.querySelector("input[type='checkbox']"),
        name: name,
        // "|" keeps the names apart: a query never spans two of them.
        key: row.dataset.search.split("|").map(normalize).join("|"),
      };
    });
    const chips = new Map();
    let countTimer = null;

    function announce(text) {
      status.textContent = text;
    }

    function showNoChips() {
      noChips.hidden = chips.size > 0;
    }

    function addChip(option) {
      const chip = document.createElement("li");
      chip.className = "country-chip";
      const name = document.createElement("span");
      name.textContent = option.name;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "country-chip-remove";
      remove.setAttribute("aria-label", fill(messages.removeLabel, { country: option.name }));
      const cross = document.createElement("span");
      cross.setAttribute("aria-hidden", "true");
      cross.textContent = "×";
      remove.append(cross);
      remove.addEventListener("click", function () {
        removeByChip(option);
      });
      chip.append(name, remove);
      chipList.append(chip);
      chips.set(option.box, chip);
    }

    function dropChip(option) {
      const chip = chips.get(option.box);
      if (chip) {
        chip.remove();
        chips.delete(option.box);
      }
    }

    // Focus must not fall back to the page's top when its button disappears: move it to
    // the next chip, else the previous one, else the search box.
    function removeByChip(option) {
      const chip = chips.get(option.box);
      const neighbour = chip.nextElementSibling || chip.previousElementSibling;
      option.box.checked = false;
      option.box.dispatchEvent(new Event("change", { bubbles: true }));
      (neighbour ? neighbour.querySelector("button") : search).focus();
    }

    function filter() {
      const query = normalize(search.value);
      let shown = 0;
      options.forEach(function (option) {
        const match = !query || option.key.includes(query);
        option.row.hidden = !match;
        if (match) shown += 1;
      });
      empty.hidden = shown > 0;
      // Announced once typing pauses, not on every key.
      clearTimeout(countTimer);
      countTimer = setTimeout(function () {
        announce(fill(messages.shown, { count: shown }));
      }, 600);
    }

    function firstShown() {
      const option = options.find(function (candidate) {
        return !candidate.row.hidden;
      });
      return option ? option.box : null;
    }

    options.forEach(function (option) {
      if (option.box.checked) addChip(option);
      option.box.addEventListener("change", function () {
        clearTimeout(countTimer); // the change is the news, not the earlier count
        if (option.box.checked) {
          if (!chips.has(option.box)) addChip(option);
          announce(fill(messages.added, { country: option.name }));
        } else {
          dropChip(option);
          announce(fill(messages.removed, { country: option.name }));
        }
        showNoChips();
      });
    });

    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === "ArrowDown") {
        // Enter would submit the whole profile: go to the first match instead.
        event.preventDefault();
        const box = firstShown();
        if (box) box.focus();
      } else if (event.key === "Escape" && search.value) {
        event.preventDefault();
        search.value = "";
        filter();
      }
    });

    showNoChips();
    chipsBox.hidden = false;
    searchBox.hidden = false;
    picker.classList.add("is-enhanced");
  }

  document.querySelectorAll("[data-country-picker]").forEach(enhance);
})();
