// The dashboard's behaviour in the browser: confirm dialogs, copy buttons, select-all, in-place review
// actions (fetch with the form's CSRF token, JSON answer) and the review queue's keyboard shortcuts.
// Every form also works without this file.

function announce(text) {
  const live = document.getElementById('live');
  if (live) live.textContent = text;
}

function showError(container, error) {
  if (!container) return;
  container.textContent = '';
  const code = document.createElement('strong');
  code.className = 'code';
  code.textContent = error.code;
  container.append(code, ` ${error.message}`);
  container.classList.add('banner', 'error');
}

function drafts() {
  return Array.from(document.querySelectorAll('article.draft'));
}

function focusDraft(draft) {
  if (!draft) return;
  for (const other of drafts()) other.classList.remove('current');
  draft.classList.add('current');
  draft.focus();
  draft.scrollIntoView({ block: 'nearest' });
}

function updateCount(delta) {
  const count = document.getElementById('pending-count');
  if (!count) return;
  const value = Number.parseInt(count.textContent, 10);
  if (Number.isFinite(value)) count.textContent = String(Math.max(0, value + delta));
}

function versionBlock(className, label, subject, body) {
  const block = document.createElement('div');
  block.className = `version ${className}`;
  const title = document.createElement('p');
  title.className = 'version-label';
  title.textContent = label;
  block.append(title);
  if (subject) {
    const line = document.createElement('p');
    line.className = 'subject';
    const strong = document.createElement('strong');
    strong.textContent = subject;
    line.append(strong);
    block.append(line);
  }
  const text = document.createElement('div');
  text.className = 'body';
  text.textContent = body;
  block.append(text);
  return block;
}

function showRevision(draft, message) {
  const previous = message.history[message.history.length - 1];
  const current = versionBlock('current', 'New version', message.subject, message.body);
  draft.querySelector('.version.current')?.replaceWith(current);
  draft.querySelector('.version.previous')?.remove();
  if (previous) {
    const label = message.feedback
      ? `Previous version — feedback: “${message.feedback}”`
      : 'Previous version';
    current.after(versionBlock('previous', label, previous.subject, previous.body));
  }
}

async function submitInPlace(form) {
  const draft = form.closest('article.draft');
  const errorBox = draft ? draft.querySelector('.draft-error') : document.getElementById('live');
  const buttons = form.querySelectorAll('button');
  for (const button of buttons) button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: 'POST',
      headers: { Accept: 'application/json' },
      body: new URLSearchParams(new FormData(form)),
      credentials: 'same-origin',
    });
    const answer = await response.json();
    if (response.status === 401) {
      window.location.assign('/app');
      return;
    }
    if (!answer.ok) {
      showError(errorBox, answer.error);
      return;
    }
    if (form.dataset.inplace === 'remove' && draft) {
      const list = drafts();
      const next = list[list.indexOf(draft) + 1] || list[list.indexOf(draft) - 1];
      const group = draft.closest('section.group');
      draft.remove();
      if (group && !group.querySelector('article.draft')) group.remove();
      const groupCount = group?.querySelector('.group-count');
      if (groupCount) groupCount.textContent = String(group.querySelectorAll('article.draft').length);
      updateCount(-1);
      announce(form.action.endsWith('/approve') ? 'Draft approved.' : 'Draft rejected.');
      focusDraft(next);
    } else if (form.dataset.inplace === 'revise' && draft) {
      showRevision(draft, answer.data);
      form.reset();
      announce('Draft revised: the new version is shown above the previous one.');
    }
  } catch (error) {
    showError(errorBox, { code: 'NETWORK', message: String(error) });
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  if (form.dataset.inplace) {
    event.preventDefault();
    submitInPlace(form);
  }
});

document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  if (!input) return;
  input.select();
  const done = () => {
    button.textContent = 'Copied';
  };
  if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, () => {});
  else done();
});

document.addEventListener('change', (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || box.id !== 'select-all') return;
  for (const item of document.querySelectorAll('input[name="ids"][form="bulk"]')) item.checked = box.checked;
});

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && target.closest('input, textarea, select, [contenteditable]')) return;
  const list = drafts();
  if (list.length === 0) return;
  const current =
    document.activeElement instanceof Element ? document.activeElement.closest('article.draft') : null;
  const at = current ? list.indexOf(current) : -1;
  if (event.key === 'j') focusDraft(list[Math.min(at + 1, list.length - 1)]);
  else if (event.key === 'k') focusDraft(list[Math.max(at - 1, 0)]);
  else if ((event.key === 'a' || event.key === 'r') && current) {
    const form = current.querySelector(
      event.key === 'a' ? 'form[action$="/approve"]' : 'form[action$="/reject"]',
    );
    if (form) form.requestSubmit();
  } else return;
  event.preventDefault();
});
