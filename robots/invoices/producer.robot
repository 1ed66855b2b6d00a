*** Settings ***
Documentation       The invoice bot's intake: one work item per supplier invoice in the inbox, the PDF attached.
...
...                 Its input is a *trigger* work item naming the folders: ``{"inbox": "/abs/inbox/invoices",
...                 "archive": "/abs/archive/invoices", "run_id": "…"}`` (without ``archive``, files go to
...                 ``archive/invoices`` beside the inbox's parent). For each PDF in the inbox, in name order:
...
...                 1. Read it: supplier, invoice number, date, PO number, net, VAT, total (``keywords/invoices``).
...                 2. Create one output item, reference ``SUPPLIER / NUMBER``, the PDF attached. An invoice
...                 received before (the same supplier's number, tonight or on an earlier night) makes *no
...                 second invoice item*: a *duplicate* report item instead, which the checks step fails as
...                 ``DUPLICATE_INVOICE`` naming the original. A file that cannot be read becomes an
...                 *unreadable* report (``UNREADABLE_INVOICE``) the same way, and so does a supplier-signed PDF
...                 that we cannot sign after the supplier (a *refused* report: ``BAD_SIGNATURE`` when the
...                 supplier's signature is already broken, ``LOCKED_INVOICE`` when it allows no changes). A
...                 supplier-signed invoice that can be signed lists its signatures as ``supplier_signatures``.
...                 3. Only then move the file to the archive: killed before that, a rerun reads it again and,
...                 finding its item, creates nothing twice.
...
...                 The trigger is released DONE at the end; a trigger without an inbox fails as a BUSINESS
...                 error (``BAD_TRIGGER``); a missing inbox folder fails it as an APPLICATION error.
...
...                 Settings: ``RPA_WORKITEMS_ADAPTER=workitems.rpa.QueueAdapter``, ``NIGHTSHIFT_QUEUE`` (the
...                 trigger queue), ``NIGHTSHIFT_OUTPUT_QUEUE`` (``invoices``). Run with ``--maxassignlength 0``.
...                 | nightshift run invoices

Library             OperatingSystem
Library             RPA.Robocorp.WorkItems    autoload=${False}
Library             keywords.invoices

Suite Setup         Set Environment Variable    NIGHTSHIFT_REFERENCE_FIELD    reference


*** Tasks ***
Produce invoices
    [Documentation]    Queue every invoice of the inbox named by each trigger item.
    For Each Input Work Item    Queue Invoices From Inbox    return_results=${False}


*** Keywords ***
Queue Invoices From Inbox
    [Documentation]    One trigger item: queue every invoice, archive its file, release the trigger.
    ${inbox}=    Get Work Item Variable    inbox    default=${EMPTY}
    IF    not $inbox
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=BAD_TRIGGER
        ...    message=The trigger item has no "inbox" folder in its payload: add it and retry the item.
        RETURN
    END
    ${default}=    Evaluate    str(pathlib.Path($inbox).parent.parent / "archive" / pathlib.Path($inbox).name)
    ...    modules=pathlib
    ${archive}=    Get Work Item Variable    archive    default=${default}
    ${run_id}=    Get Work Item Variable    run_id    default=${EMPTY}
    TRY
        ${reading}=    Read Invoice Inbox    ${inbox}    queue=%{NIGHTSHIFT_OUTPUT_QUEUE}    run_id=${run_id}
    EXCEPT    FileNotFoundError:*    type=glob    AS    ${error}
        Release Input Work Item    FAILED    exception_type=APPLICATION    code=NO_INBOX    message=${error}
        RETURN
    END
    Create Directory    ${archive}
    FOR    ${payload}    IN    @{reading}[new]
        ${path}=    Evaluate    $payload.pop("path")
        Create Output Work Item
        Set Work Item Payload    ${payload}
        Add Work Item File    ${path}
        Save Work Item
        IF    $payload["kind"] == "duplicate"
            Log    ${payload}[message]    WARN
        END
        # Only after the item is saved: killed before this line, a rerun reads the file again.
        Archive Inbox File    ${path}    ${archive}
    END
    FOR    ${name}    IN    @{reading}[skipped]
        Archive Inbox File    ${inbox}${/}${name}    ${archive}
    END
    Log    Queued ${reading}[counts].
    Release Input Work Item    DONE
