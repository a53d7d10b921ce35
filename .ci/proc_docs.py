"""Run nbdev's docs preprocessing (`nbdev_proc_nbs`) without its attempt to install Quarto.

`nbdev_proc_nbs` first calls `_ensure_quarto`, which, where Quarto is missing, runs `sudo` and package installs.
CI only needs the preprocessing (export directives, `show_doc`, hidden cells) to succeed, so the check is skipped;
rendering with Quarto is `nbdev_docs`' job, in the deploy workflow."""
import nbdev.quarto as q

if __name__ == "__main__":  # nbdev processes notebooks in worker processes, which import this file again
    q._ensure_quarto = lambda: None
    q._pre_docs()
