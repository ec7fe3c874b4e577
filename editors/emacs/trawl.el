;;; trawl.el --- Search news articles with trawl  -*- lexical-binding: t; -*-

;; Copyright (C) 2026 The trawl authors

;; Author: The trawl authors
;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1"))
;; Keywords: matching, news, tools

;; This file is not part of GNU Emacs.

;;; Commentary:

;; The Emacs front end of trawl, a full-text search engine for news
;; articles.  It runs `trawl serve' once per database and talks to it over
;; pipes: one JSON request a line on its standard input, one JSON response a
;; line on its standard output (see doc/protocol.md).
;;
;;   M-x trawl-search       ask for a query, show the hits in *trawl-results*
;;   M-x trawl-search-live  the same, the hits updating as you type the query
;;
;; In *trawl-results*: RET opens the article under point (read-only, with the
;; query's words highlighted), n and p move between hits, g runs the query
;; again, q quits.
;;
;; Set `trawl-database' to search a database other than trawl's default, and
;; `trawl-program' when the trawl program is not on the variable `exec-path'.
;;
;; Layout of this file: the server layer (one process per database, started
;; on first use, restarted when it dies, responses matched to callbacks by
;; `id'), then the results buffer, the article buffer and live search, each
;; built on `trawl--request'.  The tests are tests/editors/trawl-tests.el.

;;; Code:

(require 'cl-lib)
(require 'json)
(require 'subr-x)

;;;; Customisation

(defgroup trawl nil
  "Full-text search of news articles with trawl."
  :group 'applications
  :prefix "trawl-")

(defcustom trawl-program "trawl"
  "The trawl program: a name looked up in variable `exec-path', or a file name."
  :type 'string)

(defcustom trawl-database nil
  "The database directory to search.
nil means trawl's own default: $TRAWL_DB, else ~/.local/share/trawl/db."
  :type '(choice (const :tag "trawl's default" nil) directory))

(defcustom trawl-result-limit 20
  "How many hits a search shows (1 to 1000)."
  :type 'natnum)

(defcustom trawl-snippet-length 200
  "Length of the snippet shown under each hit, in characters; 0 shows none."
  :type 'natnum)

(defcustom trawl-live-delay 0.2
  "Seconds `trawl-search-live' waits after the last keystroke to search."
  :type 'number)

(defface trawl-match '((t :inherit match))
  "Face of the query's matches in snippets and articles.")

(defface trawl-title '((t :inherit bold))
  "Face of article titles.")

(defface trawl-date '((t :inherit shadow))
  "Face of article dates.")

(defface trawl-rank '((t :inherit shadow))
  "Face of hit ranks.")

;;;; Server processes

(cl-defstruct (trawl--server (:constructor trawl--server-make) (:copier nil))
  "One running `trawl serve' and what is in flight on it."
  process                     ; the `trawl serve' process
  database                    ; the database it serves (nil: trawl's default)
  (partial nil)               ; output after the last newline, newest first
  (next-id 0)                 ; the id of the last request sent
  ;; id -> the function awaiting that response
  (callbacks (make-hash-table :test #'eql)))

(defvar trawl--servers (make-hash-table :test #'equal)
  "Running servers, keyed by database directory (\"\" for the default).")

(defconst trawl--stderr-buffer " *trawl-stderr*"
  "Buffer collecting the servers' diagnostics.")

(defun trawl--db-key (database)
  "The key of DATABASE in `trawl--servers'."
  (if database (expand-file-name database) ""))

(defun trawl--server-for (database)
  "Return the running server for DATABASE, starting one when there is none.
Signal an error when the program cannot be started."
  (let ((server (gethash (trawl--db-key database) trawl--servers)))
    (if (and server (process-live-p (trawl--server-process server)))
        server
      (trawl--start-server database))))

(defun trawl--start-server (database)
  "Start `trawl serve' on DATABASE and register it; return the server."
  (unless (executable-find trawl-program)
    (error "No program %s in exec-path" trawl-program))
  (let* ((server (trawl--server-make :database database))
         (args (and database (list "--db" (expand-file-name database))))
         ;; A remote or deleted `default-directory' would stop the start.
         (default-directory (if (and (not (file-remote-p default-directory))
                                     (file-directory-p default-directory))
                                default-directory
                              (expand-file-name "~/")))
         (stderr (make-pipe-process
                  :name "trawl-serve-stderr" :noquery t
                  :buffer (get-buffer-create trawl--stderr-buffer))))
    (setf (trawl--server-process server)
          (make-process :name "trawl-serve"
                        :command (cons trawl-program (cons "serve" args))
                        :connection-type 'pipe
                        :coding 'utf-8-unix
                        :noquery t
                        :stderr stderr
                        :filter (lambda (_proc chunk)
                                  (trawl--receive server chunk))
                        :sentinel (lambda (proc event)
                                    (trawl--server-exited server proc event))))
    (puthash (trawl--db-key database) server trawl--servers)
    server))

(defun trawl--receive (server chunk)
  "Take CHUNK of SERVER's output; dispatch each complete line.
Output arrives in pieces of any size, so the text after the last newline
waits in the server's `partial' slot for the rest of its line; pieces are
joined only once the newline comes, so a long response costs linear time."
  (if (not (string-search "\n" chunk))
      (push chunk (trawl--server-partial server))
    (let* ((data (apply #'concat
                        (nreverse (cons chunk (trawl--server-partial server)))))
           (lines (split-string data "\n"))
           (rest (car (last lines))))
      ;; The last element is what follows the last newline: keep it before
      ;; dispatching, in case a callback waits for output and re-enters here.
      (setf (trawl--server-partial server)
            (and (not (string-empty-p rest)) (list rest)))
      (dolist (line (butlast lines))
        (unless (string-empty-p line)
          (trawl--dispatch server line))))))

(defun trawl--json-encode (object)
  "OBJECT, an alist, as one line of JSON text."
  (if (json-available-p)
      (json-serialize object)
    (let ((json-encoding-pretty-print nil))
      (json-encode object))))

(defun trawl--json-decode (text)
  "The JSON object TEXT as an alist: arrays as lists, null and false as nil.
Uses the native parser when Emacs has one, else json.el."
  (if (json-available-p)
      (json-parse-string text :object-type 'alist :array-type 'list
                         :null-object nil :false-object nil)
    (let ((json-object-type 'alist) (json-array-type 'list)
          (json-key-type 'symbol) (json-null nil) (json-false nil))
      (json-read-from-string text))))

(defun trawl--dispatch (server line)
  "Hand the response on LINE to the callback waiting for its id on SERVER."
  (condition-case err
      (let* ((response (trawl--json-decode line))
             (id (alist-get 'id response))
             (callbacks (trawl--server-callbacks server))
             (callback (and id (gethash id callbacks))))
        (cond (callback (remhash id callbacks)
                        (funcall callback response))
              ((not (trawl--ok-p response)) (trawl--report-error response))))
    (error (message "trawl: cannot handle the server's response %S: %s"
                    (truncate-string-to-width line 80 nil nil "...")
                    (error-message-string err)))))

(defun trawl--server-exited (server proc event)
  "Forget SERVER once its process PROC has ended with EVENT.
Every request still waiting gets an `unavailable' error; the next request
starts a new server."
  (unless (process-live-p proc)
    (let ((key (trawl--db-key (trawl--server-database server))))
      (when (eq (gethash key trawl--servers) server)
        (remhash key trawl--servers)))
    (let ((callbacks (trawl--server-callbacks server))
          (response (trawl--error-response
                     "unavailable" (format "trawl serve %s%s"
                                           (string-trim event)
                                           (trawl--stderr-tail)))))
      (maphash (lambda (id callback)
                 (remhash id callbacks)
                 (funcall callback (cons (cons 'id id) response)))
               callbacks))))

(defun trawl--stderr-tail ()
  "The server's last diagnostic line, as \": LINE\", or \"\" when none."
  (let ((buffer (get-buffer trawl--stderr-buffer)))
    (if (not buffer)
        ""
      (with-current-buffer buffer
        (let ((last (car (last (split-string (buffer-string) "\n" t)))))
          (if last (concat ": " last) ""))))))

(defun trawl--error-response (code message)
  "A response object holding the error CODE with MESSAGE."
  (list (cons 'ok nil)
        (cons 'error (list (cons 'code code) (cons 'message message)))))

(defun trawl--ok-p (response)
  "Non-nil when RESPONSE is a success."
  (eq (alist-get 'ok response) t))

(defun trawl--report-error (response)
  "Show the error held in RESPONSE in the echo area."
  (let ((err (alist-get 'error response)))
    (message "trawl: %s (%s)" (or (alist-get 'message err) "unknown error")
             (or (alist-get 'code err) "no code"))))

(defun trawl--request (request callback &optional database)
  "Send REQUEST, an alist without `id', to the server for DATABASE.
CALLBACK is called with the response alist once it arrives (or with an
`unavailable' error when the server dies first).  Return the request's id,
or nil when the server could not be started; that is reported in the echo
area and CALLBACK is never called."
  (condition-case err
      (or (trawl--send request callback database)
          ;; The server died unnoticed: the retry starts a new one.
          (trawl--send request callback database))
    (error (message "trawl: cannot run %s serve: %s" trawl-program
                    (error-message-string err))
           nil)))

(defun trawl--send (request callback database)
  "Send REQUEST to the server for DATABASE, CALLBACK awaiting the answer.
Return the id, or nil when the server turns out to have died.  Signal an
error when no server can be started."
  (let* ((server (trawl--server-for database))
         (process (trawl--server-process server))
         (id (cl-incf (trawl--server-next-id server))))
    ;; Registered before sending: Emacs may read output while it writes.
    (puthash id callback (trawl--server-callbacks server))
    (condition-case nil
        (progn
          (process-send-string
           process (concat (trawl--json-encode (cons (cons 'id id) request))
                           "\n"))
          id)
      (error (remhash id (trawl--server-callbacks server))
             (when (process-live-p process)
               (delete-process process))
             (trawl--server-exited server process "died")
             nil))))

(defun trawl--cancel (id database)
  "Ask the server for DATABASE not to run request ID, if it still waits."
  (let ((server (gethash (trawl--db-key database) trawl--servers)))
    (when (and id server (gethash id (trawl--server-callbacks server)))
      (trawl--request `((op . "cancel") (target . ,id)) #'ignore database))))

(defun trawl--kill-servers ()
  "Stop every trawl server; run when Emacs exits."
  (maphash (lambda (_key server)
             (when (process-live-p (trawl--server-process server))
               (delete-process (trawl--server-process server))))
           trawl--servers)
  (clrhash trawl--servers))

(add-hook 'kill-emacs-hook #'trawl--kill-servers)

;;;; The results buffer

(defconst trawl--results-buffer-name "*trawl-results*")

(defvar-local trawl--query nil
  "The query shown (or being run) in this results buffer.")
(defvar-local trawl--database nil
  "The database this results buffer searches.")
(defvar-local trawl--latest-id nil
  "The id of the newest search; responses to other ids are stale.")
(defvar-local trawl--live-timer nil
  "The pending debounced live search, or nil.")
(defvar trawl-history nil
  "Queries given to `trawl-search' and `trawl-search-live'.")

(defvar trawl-results-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "RET") #'trawl-open-hit)
    (define-key map (kbd "n") #'trawl-next-hit)
    (define-key map (kbd "p") #'trawl-previous-hit)
    map)
  "Keys of `trawl-results-mode'; `g' and `q' come from `special-mode'.")

(define-derived-mode trawl-results-mode special-mode "Trawl"
  "Ranked hits of a trawl search.
\\<trawl-results-mode-map>\\[trawl-open-hit] opens the article under point,
\\[trawl-next-hit] and \\[trawl-previous-hit] move between hits,
\\[revert-buffer] runs the query again, \\[quit-window] quits."
  (setq-local revert-buffer-function #'trawl--revert)
  (setq-local truncate-lines nil)
  (visual-line-mode 1))

(defun trawl--results-buffer ()
  "The results buffer, created in `trawl-results-mode' when missing."
  (let ((buffer (get-buffer-create trawl--results-buffer-name)))
    (with-current-buffer buffer
      (unless (derived-mode-p 'trawl-results-mode)
        (trawl-results-mode)))
    buffer))

;;;###autoload
(defun trawl-search (query)
  "Search trawl's database for QUERY and show the ranked hits.
QUERY uses Xapian's syntax: words, \"phrases\", AND, OR, NOT, field:value."
  (interactive (list (read-string "Trawl: " nil 'trawl-history)))
  (let ((buffer (trawl--results-buffer)))
    (trawl--search query buffer)
    (pop-to-buffer buffer)))

(defun trawl--search (query buffer)
  "Send QUERY for results BUFFER, to show there unless superseded."
  (with-current-buffer buffer
    (trawl--cancel trawl--latest-id trawl--database)
    (setq trawl--query query
          trawl--database trawl-database)
    (let ((id (trawl--request `((op . "search") (q . ,query)
                                (limit . ,trawl-result-limit)
                                (snippet . ,trawl-snippet-length))
                              (lambda (response)
                                (trawl--on-search buffer query response))
                              trawl--database)))
      (when id
        (setq trawl--latest-id id)))))

(defun trawl--on-search (buffer query response)
  "Show RESPONSE to QUERY in BUFFER, unless a newer search was sent since."
  (when (buffer-live-p buffer)
    (with-current-buffer buffer
      (cond ((not (eql (alist-get 'id response) trawl--latest-id))) ; stale
            ((trawl--ok-p response) (trawl--render query response))
            (t (trawl--report-error response))))))

(defun trawl--revert (&rest _)
  "Run this buffer's query again (the `revert-buffer-function')."
  (if trawl--query
      (trawl--search trawl--query (current-buffer))
    (message "trawl: no query to run again")))

(defun trawl--render (query response)
  "Fill the current buffer with the hits of RESPONSE to QUERY."
  (let ((inhibit-read-only t)
        (hits (alist-get 'hits response)))
    (erase-buffer)
    (setq header-line-format
          (format " %s: %d of about %d"
                  (replace-regexp-in-string "%" "%%" query)
                  (length hits) (or (alist-get 'total response) 0)))
    (if hits
        (mapc #'trawl--insert-hit hits)
      (insert (format "No articles match %s.\n" query)))
    (goto-char (point-min))))

(defun trawl--insert-hit (hit)
  "Insert HIT, a hit object of a search response, at point."
  (let ((start (point))
        (date (alist-get 'date hit))
        (snippet (trawl--highlighted-snippet hit)))
    (insert (propertize (format "%3d. " (alist-get 'rank hit))
                        'face 'trawl-rank)
            (propertize (if date (truncate-string-to-width date 10)
                          (make-string 10 ?\s))
                        'face 'trawl-date)
            "  "
            (propertize (or (alist-get 'title hit) "") 'face 'trawl-title)
            "\n")
    (unless (string-empty-p snippet)
      (insert (propertize "     " 'wrap-prefix "     ")
              (propertize snippet 'wrap-prefix "     ") "\n"))
    (add-text-properties start (point)
                         (list 'trawl-doc (alist-get 'doc hit)
                               'trawl-rank (alist-get 'rank hit)))))

(defun trawl--highlighted-snippet (hit)
  "Return the snippet of HIT on one line, its matches in face `trawl-match'.
The ranges count characters, as the server does by default."
  (let* ((snippet (replace-regexp-in-string
                   "[\n\r\t]" " " (or (alist-get 'snippet hit) "")))
         (len (length snippet)))
    (dolist (range (alist-get 'highlights hit))
      (let ((beg (min (max (car range) 0) len))
            (end (min (max (cadr range) 0) len)))
        (when (< beg end)
          (add-face-text-property beg end 'trawl-match nil snippet))))
    snippet))

(defun trawl-next-hit (&optional n)
  "Move to the start of the Nth next hit."
  (interactive "p")
  (dotimes (_ (or n 1))
    (let ((next (next-single-property-change (point) 'trawl-rank)))
      (when (and next (not (get-text-property next 'trawl-rank)))
        (setq next (next-single-property-change next 'trawl-rank)))
      (if next (goto-char next) (message "trawl: no more hits")))))

(defun trawl-previous-hit (&optional n)
  "Move to the start of the Nth previous hit."
  (interactive "p")
  (dotimes (_ (or n 1))
    (let ((here (if (get-text-property (point) 'trawl-rank)
                    (or (previous-single-property-change (1+ (point))
                                                         'trawl-rank)
                        (point-min))
                  (point))))
      (if (<= here (point-min))
          (message "trawl: no previous hit")
        (goto-char (or (previous-single-property-change (1- here) 'trawl-rank)
                       (point-min)))))))

;;;; The article buffer

(defun trawl-open-hit ()
  "Open the article of the hit at point in a read-only buffer."
  (interactive)
  (let ((doc (get-text-property (point) 'trawl-doc))
        (query trawl--query))
    (if (not doc)
        (message "trawl: no hit at point")
      (trawl--fetch-article doc query trawl--database))))

(defun trawl--fetch-article (doc query database)
  "Ask the server for DATABASE for article DOC, to show with QUERY's words."
  (trawl--request `((op . "get") (doc . ,doc))
                  (lambda (response)
                    (trawl--on-article doc query database response))
                  database))

(defun trawl--on-article (doc query database response)
  "Show the article DOC of DATABASE from RESPONSE, QUERY's words highlighted."
  (if (not (trawl--ok-p response))
      (trawl--report-error response)
    (let ((buffer (get-buffer-create (format "*trawl: %s*" doc)))
          (article (alist-get 'article response)))
      (with-current-buffer buffer
        (let ((inhibit-read-only t))
          (erase-buffer)
          (special-mode)
          (visual-line-mode 1)
          (setq-local revert-buffer-function
                      (lambda (&rest _)
                        (trawl--fetch-article doc query database)))
          (insert (propertize (or (alist-get 'title article) doc)
                              'face 'trawl-title)
                  "\n")
          (dolist (field article)
            (unless (memq (car field) '(title body))
              (insert (propertize (format "%s: " (car field)) 'face 'trawl-date)
                      (trawl--field-text (cdr field)) "\n")))
          (insert "\n" (or (alist-get 'body article) "") "\n")
          (trawl--highlight-terms (trawl--query-terms query))
          (goto-char (point-min))))
      (pop-to-buffer buffer))))

(defun trawl--field-text (value)
  "VALUE of a stored article field as text."
  (cond ((stringp value) value)
        ((and (listp value) (cl-every #'stringp value))
         (string-join value ", "))
        (t (format "%S" value))))

(defun trawl--query-terms (query)
  "The words of QUERY worth highlighting, lower case and roughly stemmed.
Operators are dropped, field prefixes (topic:) removed, and a few English
endings cut so that the highlight, which matches word beginnings, finds the
forms the stemmer matched."
  (let (terms)
    (dolist (word (split-string (or query "") "[^[:alnum:]:]+" t))
      (let ((term (downcase (or (car (last (split-string word ":" t))) ""))))
        (unless (or (member word '("AND" "OR" "NOT" "XOR" "NEAR" "ADJ"))
                    (string-empty-p term))
          (when (and (string-match "\\(?:ing\\|ed\\|es\\|s\\)\\'" term)
                     (>= (match-beginning 0) 3))
            (setq term (substring term 0 (match-beginning 0))))
          (push term terms))))
    (delete-dups (nreverse terms))))

(defun trawl--highlight-terms (terms)
  "Give the words starting with one of TERMS the face `trawl-match'."
  (when terms
    (let ((case-fold-search t)
          (re (concat "\\<" (regexp-opt terms) "[[:alnum:]]*")))
      (save-excursion
        (goto-char (point-min))
        (while (re-search-forward re nil t)
          (add-face-text-property (match-beginning 0) (match-end 0)
                                  'trawl-match))))))

;;;; Search as you type

;;;###autoload
(defun trawl-search-live ()
  "Search trawl's database as you type; the hits update after each pause.
RET keeps the results and selects their buffer."
  (interactive)
  (let ((buffer (trawl--results-buffer)))
    (display-buffer buffer)
    (let ((query (minibuffer-with-setup-hook
                     (lambda ()
                       (add-hook 'after-change-functions
                                 (lambda (&rest _)
                                   (trawl--live-input
                                    buffer (minibuffer-contents-no-properties)))
                                 nil t))
                   (read-from-minibuffer "Trawl (live): " nil nil nil
                                         'trawl-history))))
      (with-current-buffer buffer
        (when trawl--live-timer
          (cancel-timer trawl--live-timer)
          (setq trawl--live-timer nil)))
      (unless (or (string-blank-p query)
                  (equal query (buffer-local-value 'trawl--query buffer)))
        (trawl--search query buffer))
      (pop-to-buffer buffer))))

(defun trawl--live-input (buffer query)
  "The user typed QUERY so far: search it for BUFFER once typing pauses."
  (with-current-buffer buffer
    (when trawl--live-timer
      (cancel-timer trawl--live-timer))
    (setq trawl--live-timer
          (unless (string-blank-p query)
            (run-at-time trawl-live-delay nil
                         #'trawl--live-fire buffer query)))))

(defun trawl--live-fire (buffer query)
  "The debounce timer for QUERY ran out: search it for BUFFER."
  (when (buffer-live-p buffer)
    (with-current-buffer buffer
      (setq trawl--live-timer nil))
    (trawl--search query buffer)))

(provide 'trawl)
;;; trawl.el ends here
