;;; trawl-tests.el --- ERT tests of trawl.el over a real trawl serve  -*- lexical-binding: t; -*-

;;; Commentary:

;; Run by tests/editors/emacs.sh in `emacs --batch', which builds the fixture
;; database of tests/editors/common.sh with `trawl index' and passes
;; TRAWL_TEST_PROGRAM (the trawl program) and TRAWL_TEST_DB (the database) in
;; the environment.  The expected titles follow from that fixture.
;;
;; Each test drives the plugin as a user would (`trawl-search', RET, g,
;; `trawl-search-live'), then waits for the server's answer by letting Emacs
;; read process output, and inspects the buffers.  Renders and echo-area
;; messages are recorded by advice, to prove that stale responses are never
;; shown and that errors reach the echo area.

;;; Code:

(require 'ert)
(require 'trawl)

(defconst trawl-test-timeout 15
  "Seconds to wait for the server before failing.")

(defconst trawl-test-zebra-titles
  '("Zebra crossing rules" "City traffic report" "Zoo animals counted")
  "The hits of \"zebra\" on the fixture, best first.")

(defvar trawl-test--renders nil
  "The queries rendered into a results buffer, newest first.")

(defvar trawl-test--messages nil
  "Messages shown in the echo area, newest first.")

(defun trawl-test--record-render (query _response)
  "Advice on `trawl--render': note QUERY."
  (push query trawl-test--renders))

(defun trawl-test--record-message (format-string &rest args)
  "Advice on `message': note the text of FORMAT-STRING and ARGS."
  (when format-string
    (push (apply #'format-message format-string args) trawl-test--messages)))

(defun trawl-test--wait (what predicate)
  "Let process output in until PREDICATE is true; fail naming WHAT on timeout."
  (let ((deadline (+ (float-time) trawl-test-timeout)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (unless (funcall predicate)
      (ert-fail (list "timed out waiting for" what
                      'renders trawl-test--renders
                      'messages trawl-test--messages)))))

(defun trawl-test--settle ()
  "Let any response still on its way arrive (the server answers in order)."
  (let ((deadline (+ (float-time) 0.3)))
    (while (< (float-time) deadline)
      (accept-process-output nil 0.05))))

(defmacro trawl-test--with-plugin (&rest body)
  "Run BODY with the plugin set on the fixture and a fresh results buffer."
  (declare (indent 0) (debug t))
  `(let ((trawl-program (or (getenv "TRAWL_TEST_PROGRAM")
                            (error "TRAWL_TEST_PROGRAM is not set")))
         (trawl-database (or (getenv "TRAWL_TEST_DB")
                             (error "TRAWL_TEST_DB is not set")))
         (trawl-result-limit 10)
         (trawl-test--renders nil)
         (trawl-test--messages nil))
     (when (get-buffer trawl--results-buffer-name)
       (kill-buffer trawl--results-buffer-name))
     (advice-add 'trawl--render :before #'trawl-test--record-render)
     (advice-add 'message :before #'trawl-test--record-message)
     (unwind-protect
         (progn ,@body)
       (advice-remove 'message #'trawl-test--record-message)
       (advice-remove 'trawl--render #'trawl-test--record-render))))

(defun trawl-test--search (query)
  "Run `trawl-search' for QUERY and wait until its results are shown."
  (setq trawl-test--renders nil)
  (trawl-search query)
  (trawl-test--wait (format "the results of %S" query)
                    (lambda () (equal (car trawl-test--renders) query)))
  (get-buffer trawl--results-buffer-name))

(defun trawl-test--face-runs (face &optional buffer)
  "The texts of BUFFER (default: current) shown in FACE, in buffer order."
  (with-current-buffer (or buffer (current-buffer))
    (let ((pos (point-min)) runs)
      (while (< pos (point-max))
        (let ((next (next-single-char-property-change pos 'face nil
                                                      (point-max)))
              (value (get-char-property pos 'face)))
          (when (if (listp value) (memq face value) (eq value face))
            (push (buffer-substring-no-properties pos next) runs))
          (setq pos next)))
      (nreverse runs))))

(defun trawl-test--hit-docs (buffer)
  "The doc ids of the hits in results BUFFER, in order."
  (with-current-buffer buffer
    (let ((pos (point-min)) docs)
      (while pos
        (let ((doc (get-text-property pos 'trawl-doc)))
          (when (and doc (not (equal doc (car docs))))
            (push doc docs)))
        (setq pos (next-single-property-change pos 'trawl-rank)))
      (nreverse docs))))

(defun trawl-test--server ()
  "The running server of the fixture database, or nil."
  (gethash (trawl--db-key trawl-database) trawl--servers))

;;;; Tests

(ert-deftest trawl-test-receive-reassembles-chunks ()
  "Responses split anywhere across chunks reach their callbacks whole, in order."
  (let* ((server (trawl--server-make))
         (callbacks (trawl--server-callbacks server))
         got)
    (puthash 1 (lambda (r) (push (cons 1 (alist-get 'title r)) got)) callbacks)
    (puthash 2 (lambda (r) (push (cons 2 (alist-get 'title r)) got)) callbacks)
    (trawl--receive server "{\"id\":1,\"ok\":true,\"ti")
    (should-not got)
    (trawl--receive server "tle\":\"Zürich\"}\n{\"id\":2,")
    (should (equal got '((1 . "Zürich"))))
    (trawl--receive server "\"ok\":true,\"title\":\"b\"}\n")
    (should (equal (reverse got) '((1 . "Zürich") (2 . "b"))))
    (should-not (trawl--server-partial server))
    ;; A line in many pieces, as a long response arrives.
    (puthash 3 (lambda (r) (push (cons 3 (alist-get 'title r)) got)) callbacks)
    (dolist (piece (list "{\"id\":3," "\"ok\":true," "\"title\":" "\"long\"}"))
      (trawl--receive server piece))
    (should (= (length got) 2))
    (trawl--receive server "\n")
    (should (equal (car got) '(3 . "long")))
    (should-not (trawl--server-partial server))
    (should (zerop (hash-table-count callbacks)))))

(ert-deftest trawl-test-json-without-native-support ()
  "Without Emacs's native JSON, json.el gives the same requests and responses."
  (let* ((request '((id . 7) (op . "search") (q . "zürich \"a b\"") (limit . 5)))
         (line "{\"id\":7,\"ok\":false,\"hits\":[{\"highlights\":[[1,2]]}],\"date\":null}")
         (native (list (trawl--json-encode request) (trawl--json-decode line)))
         (fallback (cl-letf (((symbol-function 'json-available-p) #'ignore))
                     (list (trawl--json-encode request)
                           (trawl--json-decode line)))))
    (should (equal (json-parse-string (car fallback) :object-type 'alist)
                   (json-parse-string (car native) :object-type 'alist)))
    (should (equal (cadr fallback) (cadr native)))
    (should (equal (cadr native)
                   '((id . 7) (ok) (hits ((highlights (1 2)))) (date))))))

(ert-deftest trawl-test-search-shows-ranked-hits-with-highlights ()
  "A search lists the fixture's titles in rank order, matches in `trawl-match'."
  (trawl-test--with-plugin
    (let ((buffer (trawl-test--search "zebra")))
      (should (equal (trawl-test--face-runs 'trawl-title buffer)
                     trawl-test-zebra-titles))
      (should (equal (trawl-test--hit-docs buffer)
                     '("zebra-1" "zebra-2" "zebra-3")))
      (with-current-buffer buffer
        (should (derived-mode-p 'trawl-results-mode))
        (should buffer-read-only)
        (goto-char (point-min))
        (should (looking-at "  1\\. 1987-03-02  Zebra crossing rules$")))
      (let ((matches (trawl-test--face-runs 'trawl-match buffer)))
        (should matches)
        ;; A match cut by the end of a snippet may be a prefix of the word.
        (dolist (m matches)
          (should (or (string-prefix-p "zebra" (downcase m))
                      (string-prefix-p (downcase m) "zebra"))))))))

(ert-deftest trawl-test-keys-move-open-and-rerun ()
  "n and p move between hits, RET opens the article, g runs the query again."
  (trawl-test--with-plugin
    (with-current-buffer (trawl-test--search "zebra")
      (goto-char (point-min))
      (trawl-next-hit)
      (should (equal (get-text-property (point) 'trawl-doc) "zebra-2"))
      (trawl-next-hit)
      (should (equal (get-text-property (point) 'trawl-doc) "zebra-3"))
      (trawl-previous-hit)
      (should (equal (get-text-property (point) 'trawl-doc) "zebra-2"))
      (trawl-previous-hit)
      (should (equal (get-text-property (point) 'trawl-doc) "zebra-1"))
      (execute-kbd-macro (kbd "RET"))
      (trawl-test--wait "the article zebra-1"
                        (lambda () (get-buffer "*trawl: zebra-1*")))
      (with-current-buffer "*trawl: zebra-1*"
        (should buffer-read-only)
        (goto-char (point-min))
        (should (looking-at "Zebra crossing rules$"))
        (should (search-forward "drivers stop at a zebra crossing." nil t))
        ;; Every word starting with "zebra" (title, id, body) is highlighted,
        ;; and nothing else.
        (let ((matches (trawl-test--face-runs 'trawl-match))
              (case-fold-search t))
          (should (>= (length matches) 4))
          (should (= (length matches) (how-many "\\<zebra" (point-min))))
          (dolist (m matches)
            (should (string-prefix-p "zebra" (downcase m))))))
      (setq trawl-test--renders nil)
      (pop-to-buffer trawl--results-buffer-name)
      (execute-kbd-macro (kbd "g"))
      (trawl-test--wait "the re-run" (lambda () trawl-test--renders))
      (should (equal trawl-test--renders '("zebra"))))))

(ert-deftest trawl-test-hit-without-date ()
  "A hit without a date is shown with a blank date column."
  (trawl-test--with-plugin
    (let ((buffer (trawl-test--search "wheat")))
      (should (equal (trawl-test--face-runs 'trawl-title buffer)
                     '("Wheat harvest outlook" "Undated grain note")))
      (with-current-buffer buffer
        (goto-char (point-min))
        (should (search-forward-regexp "^  2\\. \\{13\\}Undated grain note$"
                                       nil t))))))

(ert-deftest trawl-test-live-burst-shows-only-the-last-query ()
  "Typing fast searches once; searches sent back to back show only the last."
  (trawl-test--with-plugin
    (let ((trawl-live-delay 0.1)
          (buffer (trawl--results-buffer)))
      ;; Keystrokes closer together than the delay: one search, for the last.
      (dolist (q '("m" "ma" "mai" "maiz" "maize"))
        (trawl--live-input buffer q))
      (trawl-test--wait "the debounced search"
                        (lambda () trawl-test--renders))
      (trawl-test--settle)
      (should (equal trawl-test--renders '("maize")))
      ;; Searches sent without reading in between: every answer but the
      ;; last arrives after a newer search was sent, and is dropped unseen.
      (setq trawl-test--renders nil)
      (dolist (q '("zebra" "zürich" "maize" "wheat"))
        (trawl--search q buffer))
      (trawl-test--wait "the last search"
                        (lambda () (member "wheat" trawl-test--renders)))
      (trawl-test--settle)
      (should (equal trawl-test--renders '("wheat")))
      (should (equal (trawl-test--face-runs 'trawl-title buffer)
                     '("Wheat harvest outlook" "Undated grain note")))
      ;; The dropped searches (cancelled or not) put nothing in the echo area.
      (should-not trawl-test--messages))))

(ert-deftest trawl-test-live-command-in-the-minibuffer ()
  "M-x trawl-search-live, typed as keys: RET shows the typed query's hits."
  (trawl-test--with-plugin
    (let ((trawl-live-delay 0.1))
      ;; A keyboard macro runs the real minibuffer even in batch mode; timers
      ;; do not run between its keys, so only the final query is searched.
      (execute-kbd-macro (kbd "M-x trawl-search-live RET zebra RET"))
      (trawl-test--wait "the live results" (lambda () trawl-test--renders))
      (trawl-test--settle)
      (should (equal trawl-test--renders '("zebra")))
      (should (equal (buffer-name) trawl--results-buffer-name))
      (should-not trawl--live-timer)
      (should (equal (trawl-test--face-runs 'trawl-title)
                     trawl-test-zebra-titles)))))

(ert-deftest trawl-test-bad-query-reported-then-plugin-works ()
  "A bad query shows the server's error in the echo area; the next search works."
  (trawl-test--with-plugin
    (let ((buffer (trawl-test--search "zebra")))
      (setq trawl-test--messages nil)
      (trawl-search "zebra AND")
      (trawl-test--wait "the error message"
                        (lambda () (cl-some (lambda (m) (string-match-p
                                                         "(bad_query)" m))
                                            trawl-test--messages)))
      ;; The results of the last good query stay.
      (should (equal (trawl-test--face-runs 'trawl-title buffer)
                     trawl-test-zebra-titles))
      (let ((trawl-result-limit 5000))
        (trawl-search "zebra"))
      (trawl-test--wait "the limit error"
                        (lambda () (cl-some (lambda (m) (string-match-p
                                                         "(bad_request)" m))
                                            trawl-test--messages)))
      (trawl-test--search "maize")
      (should (equal (car (trawl-test--face-runs 'trawl-title buffer))
                     "Maize prices fall")))))

(ert-deftest trawl-test-missing-program-is-a-message ()
  "A trawl program that cannot run is reported, not signalled."
  (trawl-test--with-plugin
    (let ((trawl-program "/nonexistent/trawl")
          (trawl-database (make-temp-name "/tmp/trawl-none-")))
      (trawl-search "zebra")
      (should (cl-some (lambda (m) (string-match-p "cannot run" m))
                       trawl-test--messages)))))

(ert-deftest trawl-test-dead-server-restarts ()
  "Killing the server and searching again starts a new one."
  (trawl-test--with-plugin
    (trawl-test--search "zebra")
    (let ((old (trawl--server-process (trawl-test--server))))
      (should (process-live-p old))
      (signal-process old 'KILL)
      (trawl-test--wait "the server's death"
                        (lambda () (not (process-live-p old))))
      (let ((buffer (trawl-test--search "wheat"))
            (new (trawl--server-process (trawl-test--server))))
        (should (process-live-p new))
        (should-not (eq new old))
        (should (equal (car (trawl-test--face-runs 'trawl-title buffer))
                       "Wheat harvest outlook"))))))

(provide 'trawl-tests)
;;; trawl-tests.el ends here
