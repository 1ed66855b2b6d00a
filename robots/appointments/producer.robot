*** Settings ***
Documentation       The appointment bot's first step: reconcile the booking system against the case diary.
...
...                 Its input is a *trigger* work item; every payload field is optional:
...                 ``{"date_from": "2026-11-12", "date_to": "2026-12-24", "format": "csv", "tolerance_minutes": 15,
...                 "night": "2026-11-26"}`` (default: the booking export page's own range, two weeks back
...                 and four weeks ahead of today; CSV; 15 minutes; today). For each trigger item:
...
...                 1. Log into the booking system (vault secret ``BOOKING_SYSTEM_SECRET``, default
...                 ``booking_system``), fill in its export page and download the export, as a person would.
...                 2. Log into the case system (``CASE_SYSTEM_SECRET``, default ``case_system``) and download
...                 its diary export.
...                 3. Read both (cleaning counted), reconcile them (``keywords/appointments``) and write the
...                 workbook ``${OUTPUT DIR}/appointments-reconciliation-NIGHT.xlsx``: a run artifact.
...                 4. Create one output work item per discrepancy (payload: its class, code, a message for
...                 a person, the booking and the diary entry); its reference, e.g.
...                 ``2026-11-26:time-mismatch:EHS-123456``, makes a rerun of the night create nothing twice.
...                 5. Last, the *report* item (``kind: report``, the counts, the workbook attached; its
...                 reference ends with the run's id), then release the trigger DONE.
...
...                 A bad export (empty, missing columns, not UTF-8, a date that cannot be read) fails the
...                 trigger as a BUSINESS error ``BAD_EXPORT`` whose message names the file, the row and the
...                 column; no workbook and no item is made. A system that keeps failing fails it as an
...                 APPLICATION error (retried later).
...
...                 Settings: ``BOOKING_SYSTEM_URL``, ``CASE_SYSTEM_URL``, the secrets above,
...                 ``RPA_WORKITEMS_ADAPTER=workitems.rpa.QueueAdapter`` with ``NIGHTSHIFT_QUEUE`` (the trigger
...                 queue) and ``NIGHTSHIFT_OUTPUT_QUEUE``. Run with ``--maxassignlength 0``: the exports are
...                 children's data, and none of it may reach the log.
...                 | nightshift run appointments

Library             OperatingSystem
Library             RPA.Robocorp.WorkItems    autoload=${False}
Library             keywords.appointments
Resource            common.resource

Suite Setup         Use The Discrepancy Reference For Output Items
Suite Teardown      Close Legacy System


*** Variables ***
${BOOKING_SYSTEM_URL}       %{BOOKING_SYSTEM_URL=http://127.0.0.1:8701/}
${CASE_SYSTEM_URL}          %{CASE_SYSTEM_URL=http://127.0.0.1:8700/}
${BOOKING_SECRET}           %{BOOKING_SYSTEM_SECRET=booking_system}
${CASE_SECRET}              %{CASE_SYSTEM_SECRET=case_system}


*** Tasks ***
Reconcile appointments
    [Documentation]    Reconcile the booking export against the case diary for each trigger item.
    For Each Input Work Item    Reconcile One Night    return_results=${False}


*** Keywords ***
Use The Discrepancy Reference For Output Items
    [Documentation]    Outputs take their payload's reference (workitems.rpa), so a rerun makes no second item.
    Set Environment Variable    NIGHTSHIFT_REFERENCE_FIELD    reference

Reconcile One Night
    [Documentation]    One trigger item: download, reconcile, queue the discrepancies and the report.
    ${today}=    Evaluate    datetime.datetime.now(zoneinfo.ZoneInfo("Europe/London")).date()
    ...    modules=datetime,zoneinfo
    ${date_from}=    Get Work Item Variable    date_from    default=${{ str($today - datetime.timedelta(days=14)) }}
    ${date_to}=    Get Work Item Variable    date_to    default=${{ str($today + datetime.timedelta(days=28)) }}
    ${format}=    Get Work Item Variable    format    default=csv
    ${tolerance}=    Get Work Item Variable    tolerance_minutes    default=15
    ${night}=    Get Work Item Variable    night    default=${{ str($today) }}
    ${run_id}=    Get Work Item Variable    run_id    default=${EMPTY}
    ${folder}=    Set Variable    ${OUTPUT DIR}${/}exports
    TRY
        Open And Log In    ${BOOKING_SYSTEM_URL}    ${BOOKING_SECRET}
        ${bookings}=    Repeat Step    /export    Download Booking Export    ${date_from}    ${date_to}
        ...    ${format}    ${folder}
        Open And Log In    ${CASE_SYSTEM_URL}    ${CASE_SECRET}
        ${diary}=    Repeat Step    /diary/export    Download Diary Export    ${folder}
    EXCEPT    ApplicationError:*    type=glob    AS    ${error}
        Release With Screenshot    APPLICATION    exports-${night}    ${error}
        RETURN
    EXCEPT    LoginRefused:*    type=glob    AS    ${error}
        Fail    ${error}
    END
    ${workbook}=    Set Variable    ${OUTPUT DIR}${/}appointments-reconciliation-${night}.xlsx
    TRY
        ${result}=    Reconcile Appointment Exports    ${bookings}    ${diary}    ${workbook}
        ...    tolerance_minutes=${tolerance}    date_from=${date_from}    date_to=${date_to}    night=${night}
        ...    run_id=${run_id}
    EXCEPT    BAD_EXPORT:*    type=glob    AS    ${error}
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=BAD_EXPORT    message=${error}
        RETURN
    END
    FOR    ${payload}    IN    @{result}[items]
        Create Output Work Item
        # Not `variables=`: Set Work Item Payload does not log the values (a child's data).
        Set Work Item Payload    ${payload}
        Save Work Item
    END
    # The report comes last: when it is there, the night's items are all there.
    Create Output Work Item
    Set Work Item Payload    ${result}[report]
    Add Work Item File    ${result}[workbook]
    Save Work Item
    Log    Reconciled ${date_from} to ${date_to}: ${result}[counts]; ${{ len($result["items"]) }} discrepancies queued.
    Release Input Work Item    DONE

Download Booking Export
    [Documentation]    The booking system's export for the dates (ISO), as ``format`` (csv or xlsx).
    [Arguments]    ${date_from}    ${date_to}    ${format}    ${folder}
    Wait For Page    Export bookings
    Fill By Label    From date    ${{ datetime.date.fromisoformat($date_from).strftime("%d/%m/%Y") }}
    Fill By Label    To date    ${{ datetime.date.fromisoformat($date_to).strftime("%d/%m/%Y") }}
    Choose Radio    ${{ "Excel workbook (XLSX)" if $format.lower() == "xlsx" else "CSV (comma separated)" }}
    ${file}=    Download File By Clicking    Export    ${folder}
    RETURN    ${file}

Download Diary Export
    [Documentation]    The case system's export of the whole diary (CSV).
    [Arguments]    ${folder}
    Wait For Page    Diary export
    ${file}=    Download File By Clicking    Download diary (CSV)    ${folder}
    RETURN    ${file}
