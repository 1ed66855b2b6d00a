*** Settings ***
Documentation       The example bot: a producer and a consumer of work items.
...
...                 It is written against the standard ``RPA.Robocorp.WorkItems`` library alone, so it
...                 runs unchanged on nightshift's queue (``RPA_WORKITEMS_ADAPTER=workitems.rpa.QueueAdapter``
...                 with ``NIGHTSHIFT_QUEUE`` and ``NIGHTSHIFT_OUTPUT_QUEUE``), on rpaframework's
...                 ``FileAdapter`` or on Control Room.
...
...                 - *Produce items* takes its input item, reads the CSV file attached to it
...                 (``requests.csv``, one request for a service a row) and creates one output item a row.
...                 - *Consume items* works every input item: a request without a date of birth
...                 fails as a BUSINESS error, for a person to correct; every other one gets an
...                 acknowledgement as an output item and is released as done.
...
...                 ``nightshift demo`` runs both steps; by hand, with nightshift's queue:
...                 | nightshift items add example-input --payload '{}' --file robots/example/devdata/requests.csv
...                 | RPA_WORKITEMS_ADAPTER=workitems.rpa.QueueAdapter NIGHTSHIFT_QUEUE=example-input NIGHTSHIFT_OUTPUT_QUEUE=example-work python -m robot --rpa --task "Produce items" --outputdir output robots/example
...                 | RPA_WORKITEMS_ADAPTER=workitems.rpa.QueueAdapter NIGHTSHIFT_QUEUE=example-work NIGHTSHIFT_OUTPUT_QUEUE=example-done python -m robot --rpa --task "Consume items" --outputdir output robots/example
...
...                 All data in ``devdata/`` is synthetic.

Library             OperatingSystem
Library             RPA.Robocorp.WorkItems


*** Variables ***
${REQUESTS_FILE}    requests.csv


*** Tasks ***
Produce items
    [Documentation]    One output work item for each row of the CSV file attached to the input item.
    ${files}=    List Work Item Files
    IF    $REQUESTS_FILE in $files
        Create One Output Item Per Row
        Release Input Work Item    DONE
    ELSE
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=NO_REQUESTS_FILE
        ...    message=The input item has no file named ${REQUESTS_FILE}: attach the requests as CSV and retry it.
    END

Consume items
    [Documentation]    Acknowledge each request in the input queue, or fail it when it is incomplete.
    For Each Input Work Item    Handle One Item    return_results=${False}


*** Keywords ***
Create One Output Item Per Row
    ${path}=    Get Work Item File    ${REQUESTS_FILE}    ${OUTPUT_DIR}${/}${REQUESTS_FILE}
    ${text}=    Get File    ${path}    encoding=UTF-8
    Remove File    ${path}
    @{rows}=    Evaluate    list(csv.DictReader($text.splitlines()))    modules=csv
    FOR    ${row}    IN    @{rows}
        Create Output Work Item
        # Not `variables=`: Set Work Item Payload does not log each value, so a child's
        # name stays out of log.html (run with --maxassignlength 0 for the rest).
        Set Work Item Payload    ${row}
        Save Work Item
    END
    Log    Created ${{len($rows)}} output work items from ${REQUESTS_FILE}.

Handle One Item
    [Documentation]    Released as done by the loop, unless released here as a BUSINESS failure.
    ${request}=    Get Work Item Variables
    TRY
        Request Should Have A Date Of Birth    ${request}
    EXCEPT    Incomplete request*    type=glob    AS    ${error}
        Release Input Work Item    FAILED    exception_type=BUSINESS
        ...    code=MISSING_DATE_OF_BIRTH    message=${error}
        RETURN
    END
    &{acknowledgement}=    Create Dictionary
    ...    reference=${request}[reference]
    ...    service=${request}[service]
    ...    message=Request ${request}[reference] received: ${request}[service].
    Create Output Work Item    variables=${acknowledgement}    save=${True}

Request Should Have A Date Of Birth
    [Arguments]    ${request}
    IF    not str($request.get("date_of_birth") or "").strip()
        Fail
        ...    Incomplete request ${request.get("reference")}: it has no date of birth. Add date_of_birth to the item and retry it.
    END
