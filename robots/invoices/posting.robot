*** Settings ***
Documentation       The invoice bot's last step: post each approved, signed invoice for payment, once.
...
...                 Its input items come from the portal, one per invoice whose approvers have all signed
...                 (``invoices-posting``: the approval payload with ``approvals`` filled, the signed PDF
...                 attached as ``pdf_file``). For each:
...
...                 1. Validate the signed PDF's signatures: every one intact, valid and trusted against
...                 ``NIGHTSHIFT_SIGNING_TRUST``, the last covering the whole file, one per approver. Anything
...                 else - a PDF changed after signing above all - is a BUSINESS failure ``BAD_SIGNATURE``
...                 naming the problem, and nothing is sent to the finance system. The signatures the PDF
...                 arrived with (``supplier_signatures``, the supplier's) must still be intact and valid but
...                 are not checked against our trust root; the log and the output item say so.
...                 2. In the finance system, *look first*: find the invoice in the register by number and
...                 supplier; register it only if it is not there (``/invoices/new``).
...                 3. On the invoice's page: upload the signed PDF unless it is there, record the approval
...                 (the approvers' names, the signed PDF) unless it is recorded, and post it for payment
...                 unless it was posted. A page that refuses (e.g. a closed order) is a BUSINESS failure
...                 ``FINANCE_REFUSED`` with the system's message.
...                 4. An output item on ``invoices-posted``: the finance system's invoice ID, the payment
...                 run, ``posted_at`` and ``receipt_to_posting_seconds`` (from the file's arrival).
...
...                 Settings: ``FINANCE_SYSTEM_URL``, ``FINANCE_SYSTEM_SECRET`` (default ``finance_system``),
...                 ``NIGHTSHIFT_SIGNING_TRUST``, the adapter with ``NIGHTSHIFT_QUEUE`` (``invoices-posting``) and
...                 ``NIGHTSHIFT_OUTPUT_QUEUE`` (``invoices-posted``).

Library             OperatingSystem
Library             RPA.Robocorp.WorkItems    autoload=${False}
Resource            common.resource

Suite Setup         Run Keywords    Create Directory    ${OUTPUT DIR}${/}posting    AND    Open Finance System
Suite Teardown      Close Legacy System


*** Tasks ***
Post invoices
    [Documentation]    Validate the signatures of each approved invoice, then post it for payment once.
    For Each Input Work Item    Post One Invoice    return_results=${False}


*** Keywords ***
Post One Invoice
    [Documentation]    One input item: posted, a BUSINESS failure, or an APPLICATION failure.
    ${item}=    Get Work Item Payload
    IF    "approvals" not in $item
        Log    A trigger item (the run's start): nothing to post.
        Release Input Work Item    DONE
        RETURN
    END
    ${pdf}=    Get Work Item File    ${item}[pdf_file]    ${OUTPUT DIR}${/}posting${/}${item}[pdf_file]
    TRY
        Signed Invoice Should Be Valid    ${pdf}    ${item}[approvals]
        ...    supplier_signatures=${{ $item.get("supplier_signatures") or [] }}
        New Item Context
        ${invoice_id}=    Repeat Step    /invoices    Find Or Register Invoice    ${item}
        ${page}=    Repeat Step    /invoices/${invoice_id}    Upload Approve And Post    ${item}    ${pdf}
    EXCEPT    BAD_SIGNATURE:*    type=glob    AS    ${error}
        Release As Business Failure    ${error}
        RETURN
    EXCEPT    BusinessError:*    type=glob    AS    ${error}
        Release With Screenshot    BUSINESS    ${item}[invoice_number]    ${error}    code=FINANCE_REFUSED
        RETURN
    EXCEPT    ApplicationError:*    type=glob    AS    ${error}
        Release With Screenshot    APPLICATION    ${item}[invoice_number]    ${error}
        RETURN
    EXCEPT    LoginRefused:*    type=glob    AS    ${error}
        Fail    ${error}
    EXCEPT    AS    ${error}
        Release With Screenshot    APPLICATION    ${item}[invoice_number]    ${error}    code=ROBOT_ERROR
        RETURN
    FINALLY
        Remove File    ${pdf}
    END
    ${record}=    Posting Record    ${item}    ${invoice_id}    ${page}[payment_run]
    Create Output Work Item
    Set Work Item Payload    ${record}
    Save Work Item
    Log    Invoice ${item}[invoice_number] posted for payment in ${page}[payment_run].

Find Or Register Invoice
    [Documentation]    The finance system's ID of the invoice: found in the register, else registered now.
    [Arguments]    ${item}
    Go To Page    /invoices?number=${item}[invoice_number]&supplier=${item}[supplier_id]
    Wait For Page    Invoice register
    @{rows}=    Get Table Rows    id=invoices
    FOR    ${row}    IN    @{rows}
        IF    $row["Invoice number"] == $item["invoice_number"]    RETURN    ${row}[Invoice ID]
    END
    Go To Page    /invoices/new
    Choose By Label    Supplier    ${item}[supplier]
    Fill By Label    Invoice number    ${item}[invoice_number]
    Fill By Label    Invoice date (dd/mm/yyyy)    ${{ datetime.date.fromisoformat($item["invoice_date"]).strftime("%d/%m/%Y") }}
    Fill By Label    PO number    ${item}[po_number]
    Fill By Label    Net amount (£)    ${item}[net]
    Fill By Label    VAT (£)    ${item}[vat]
    Fill By Label    Total (£)    ${item}[total]
    Click Button    Register invoice
    Wait For Page    Invoice ${item}[invoice_number]
    ${invoice_id}=    Get Text    id=invoice-id
    RETURN    ${invoice_id}

Upload Approve And Post
    [Documentation]    On the invoice's page: each of upload, approval and posting done once, looking first.
    [Arguments]    ${item}    ${pdf}
    ${page}=    Read Finance Invoice Page
    IF    $page["payment_run"]    RETURN    ${page}
    IF    $item["pdf_file"] not in $page["files"]
        Upload File By Label    Invoice PDF    ${pdf}
        Click Button    Upload
        Wait For Page    Invoice ${item}[invoice_number]
    END
    ${page}=    Read Finance Invoice Page
    ${recorded}=    Evaluate    bool($page["approvals"]) and $page["approvals"][-1]["Decision"] == "Approved" and $page["approvals"][-1]["Signed PDF"] == $item["pdf_file"]
    IF    not ${recorded}
        ${first}    ${second}=    Approver Names    ${item}[approvals]
        Choose Radio    Approved
        Fill By Label    Approver name    ${first}
        Fill By Label    Second approver (if required)    ${second}
        Choose Option Starting With    Signed PDF    ${item}[pdf_file]
        Fill By Label    Reason or comment    Signed in nightshift's portal; signatures validated before posting
        Click Button    Record decision
        Wait For Page    Invoice ${item}[invoice_number]
    END
    Click Button    Post for payment
    Wait For Page    Invoice ${item}[invoice_number]
    ${page}=    Read Finance Invoice Page
    IF    not $page["payment_run"]
        Fail    ApplicationError: NotPosted: the invoice page does not show a payment run after posting
    END
    RETURN    ${page}
