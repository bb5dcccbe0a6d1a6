// The crm: moddle extension. Kept identical to engine-specs/bpmn/crm-moddle.json (a test compares them).
export const crmModdleDescriptor = {
  "name": "CRM",
  "prefix": "crm",
  "uri": "urn:bank-crm:schema:bpmn:1.0",
  "xml": {
    "tagAlias": "lowerCase"
  },
  "associations": [],
  "types": [
    {
      "name": "UserTaskProps",
      "extends": [
        "bpmn:UserTask"
      ],
      "properties": [
        {
          "name": "assignee",
          "isAttr": true,
          "type": "String"
        },
        {
          "name": "candidateGroups",
          "isAttr": true,
          "type": "String"
        },
        {
          "name": "candidateOrgUnits",
          "isAttr": true,
          "type": "String"
        },
        {
          "name": "formKey",
          "isAttr": true,
          "type": "String"
        },
        {
          "name": "dueDate",
          "isAttr": true,
          "type": "String"
        },
        {
          "name": "excludeUsers",
          "isAttr": true,
          "type": "String"
        },
        {
          "name": "outputs",
          "isAttr": true,
          "type": "String"
        }
      ]
    },
    {
      "name": "StartEventProps",
      "extends": [
        "bpmn:StartEvent"
      ],
      "properties": [
        {
          "name": "formKey",
          "isAttr": true,
          "type": "String"
        },
        {
          "name": "inputs",
          "isAttr": true,
          "type": "String"
        }
      ]
    },
    {
      "name": "CatchEventProps",
      "extends": [
        "bpmn:IntermediateCatchEvent",
        "bpmn:BoundaryEvent",
        "bpmn:ReceiveTask"
      ],
      "properties": [
        {
          "name": "inputs",
          "isAttr": true,
          "type": "String"
        }
      ]
    },
    {
      "name": "ServiceTaskProps",
      "extends": [
        "bpmn:ServiceTask",
        "bpmn:SendTask"
      ],
      "properties": [
        {
          "name": "type",
          "isAttr": true,
          "type": "String"
        },
        {
          "name": "runAs",
          "isAttr": true,
          "type": "String"
        }
      ]
    },
    {
      "name": "ResultVariableProps",
      "extends": [
        "bpmn:ScriptTask",
        "bpmn:BusinessRuleTask"
      ],
      "properties": [
        {
          "name": "resultVariable",
          "isAttr": true,
          "type": "String"
        }
      ]
    },
    {
      "name": "BusinessRuleTaskProps",
      "extends": [
        "bpmn:BusinessRuleTask"
      ],
      "properties": [
        {
          "name": "decisionRef",
          "isAttr": true,
          "type": "String"
        }
      ]
    },
    {
      "name": "MessageProps",
      "extends": [
        "bpmn:Message"
      ],
      "properties": [
        {
          "name": "correlationKey",
          "isAttr": true,
          "type": "String"
        }
      ]
    },
    {
      "name": "MultiInstanceProps",
      "extends": [
        "bpmn:MultiInstanceLoopCharacteristics"
      ],
      "properties": [
        {
          "name": "collection",
          "isAttr": true,
          "type": "String"
        },
        {
          "name": "elementVariable",
          "isAttr": true,
          "type": "String"
        },
        {
          "name": "outputCollection",
          "isAttr": true,
          "type": "String"
        },
        {
          "name": "outputElement",
          "isAttr": true,
          "type": "String"
        }
      ]
    },
    {
      "name": "CallActivityProps",
      "extends": [
        "bpmn:CallActivity"
      ],
      "properties": [
        {
          "name": "calledElement",
          "isAttr": true,
          "type": "String",
          "redefines": "bpmn:CallActivity#calledElement"
        }
      ]
    },
    {
      "name": "IoMapping",
      "superClass": [
        "Element"
      ],
      "meta": {
        "allowedIn": [
          "*"
        ]
      },
      "properties": [
        {
          "name": "inputParameters",
          "isMany": true,
          "type": "Input"
        },
        {
          "name": "outputParameters",
          "isMany": true,
          "type": "Output"
        }
      ]
    },
    {
      "name": "Input",
      "superClass": [
        "Element"
      ],
      "properties": [
        {
          "name": "source",
          "isAttr": true,
          "type": "String"
        },
        {
          "name": "target",
          "isAttr": true,
          "type": "String"
        }
      ]
    },
    {
      "name": "Output",
      "superClass": [
        "Element"
      ],
      "properties": [
        {
          "name": "source",
          "isAttr": true,
          "type": "String"
        },
        {
          "name": "target",
          "isAttr": true,
          "type": "String"
        }
      ]
    }
  ],
  "enumerations": []
};
