*** Settings ***
Documentation       The invoice bot's checks: each invoice against its purchase order in the finance system,
...                 then routed for approval.
...
...                 For each input item (see ``producer.robot``):
...
...                 1. A *duplicate*, *unreadable* or *refused* report is released at once as a BUSINESS failure
...                 (``DUPLICATE_INVOICE`` naming the original, ``UNREADABLE_INVOICE`` naming the field,
...                 ``BAD_SIGNATURE`` or ``LOCKED_INVOICE`` naming the file and why we cannot sign after the
...                 supplier).
...                 2. An *invoice*: open its purchase order's page in the finance system and check, three
...                 ways, that the order exists and is the supplier's (``WRONG_PO``), is open (``PO_CLOSED``)
...                 and that the net agrees within the tolerance (``WRONG_AMOUNT``): a BUSINESS failure naming
...                 the mismatch, with a screenshot of the order's page.
...                 3. Route it through the approval matrix (``NO_APPROVER`` when no rule fits) and create an
...                 output item on ``invoices-approval`` (same reference, so a rerun makes none twice): the
...                 invoice, its cost centre, ``approvers_required``, ``approvals: []``, the PDF attached. People
...                 approve and sign it in the portal.
...
...                 Pages are retried on ``ApplicationError``; when the tries are used up the item is released
...                 as an APPLICATION failure (retried later by the queue).
...
...                 Settings: ``FINANCE_SYSTEM_URL``, ``FINANCE_SYSTEM_SECRET`` (default ``finance_system``),
...                 ``NIGHTSHIFT_APPROVAL_MATRIX``, ``INVOICE_TOLERANCE_POUNDS`` / ``_PERCENT``, the adapter
...                 with ``NIGHTSHIFT_QUEUE`` (``invoices``) and ``NIGHTSHIFT_OUTPUT_QUEUE`` (``invoices-approval``).

Library             OperatingSystem
Library             RPA.Robocorp.WorkItems    autoload=${False}
Resource            common.resource

Suite Setup         Run Keywords    Create Directory    ${OUTPUT DIR}${/}invoices    AND    Open Finance System
Suite Teardown      Close Legacy System


*** Tasks ***
Check invoices
    [Documentation]    Check every invoice against its purchase order and route it for approval.
    For Each Input Work Item    Check One Invoice    return_results=${False}


*** Keywords ***
Check One Invoice
    [Documentation]    One input item: routed for approval, a BUSINESS failure, or an APPLICATION failure.
    ${invoice}=    Get Work Item Payload
    IF    $invoice["kind"] != "invoice"
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=${invoice}[code]
        ...    message=${invoice}[message]
        Log    ${invoice}[message]    WARN
        RETURN
    END
    TRY
        New Item Context
        ${order}=    Repeat Step    /purchase-orders/${invoice}[po_number]    Read Purchase Order Page
        Check Invoice Against Purchase Order    ${invoice}    ${order}
        ${approval}=    Route Invoice For Approval    ${invoice}    ${order}
    EXCEPT    WRONG_PO:*    PO_CLOSED:*    WRONG_AMOUNT:*    NO_APPROVER:*    type=glob    AS    ${error}
        ${code}=    Evaluate    $error.split(":", 1)[0]
        Release With Screenshot    BUSINESS    ${invoice}[invoice_number]    ${{ $error.split(":", 1)[1].strip() }}
        ...    code=${code}
        RETURN
    EXCEPT    ApplicationError:*    type=glob    AS    ${error}
        Release With Screenshot    APPLICATION    ${invoice}[invoice_number]    ${error}
        RETURN
    EXCEPT    LoginRefused:*    type=glob    AS    ${error}
        Fail    ${error}
    EXCEPT    AS    ${error}
        Release With Screenshot    APPLICATION    ${invoice}[invoice_number]    ${error}    code=ROBOT_ERROR
        RETURN
    END
    ${pdf}=    Get Work Item File    ${invoice}[source_file]    ${OUTPUT DIR}${/}invoices${/}${invoice}[source_file]
    Create Output Work Item
    Set Work Item Payload    ${approval}
    Add Work Item File    ${pdf}
    Save Work Item
    Remove File    ${pdf}
    Log    Invoice ${invoice}[invoice_number] is waiting for approval.
